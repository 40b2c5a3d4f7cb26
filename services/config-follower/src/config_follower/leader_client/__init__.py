"""Fetching this follower's files from the leader."""
