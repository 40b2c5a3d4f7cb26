"""Who may call metrics-api: the read token and the write token."""
