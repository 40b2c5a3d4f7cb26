"""Counts over the imported events."""
