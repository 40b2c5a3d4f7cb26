"""Daily RANGE partitions of events and properties on t."""
