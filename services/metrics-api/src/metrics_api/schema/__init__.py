"""The keyspace: table definitions and the idempotent schema upgrade."""
