"""Elasticsearch plumbing: the client, index names and index templates."""
