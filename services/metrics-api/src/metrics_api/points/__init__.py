"""The write API: validated batches of points into the raw tables, rollups kept in step."""
