"""Meridian's service kit: the plumbing every service shares. It never imports a service."""
