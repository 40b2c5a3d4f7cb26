"""config-leader.json: its shape, loading, and the SECRET internals generated once."""
