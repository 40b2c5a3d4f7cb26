"""1.x click counters over logs: clicks per event of a user, clicks per user of an event."""
