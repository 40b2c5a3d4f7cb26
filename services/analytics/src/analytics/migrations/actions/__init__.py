"""The migrations shipped with analytics (loaded from their files, in number order)."""
