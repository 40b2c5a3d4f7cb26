"""`analytics-export`: analytics, questions, users (csv/tsv) and a messages dump (JSON)."""
