"""The MySQL schema: creating, upgrading and flushing it."""
