"""metrics_api: metric time series in Cassandra, binned on the server, for the dashboard."""
