"""Reload hooks run after the files they watch changed."""
