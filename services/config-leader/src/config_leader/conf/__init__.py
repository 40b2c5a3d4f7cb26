"""GET /conf: a follower's rendered files."""
