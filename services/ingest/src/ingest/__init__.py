"""ingest: the Keymetrics-compatible backend PM2 agents push their monitoring data to."""
