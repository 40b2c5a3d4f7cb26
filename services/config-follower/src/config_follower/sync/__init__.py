"""Fetch, apply, run hooks: on start (with backoff) and on every notify."""
