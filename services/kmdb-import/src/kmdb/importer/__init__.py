"""Importing one revision file: lines -> batches -> one transaction per batch."""
