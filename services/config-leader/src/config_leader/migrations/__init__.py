"""Settings migrations between platform template versions."""
