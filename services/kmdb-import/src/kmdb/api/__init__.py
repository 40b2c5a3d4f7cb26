"""kmdb-api's HTTP routes: import jobs and progress, filter tables, event counts, timelines."""
