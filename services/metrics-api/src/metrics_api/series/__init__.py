"""The read API: series over a time range, binned on the server, from raw points or rollups."""
