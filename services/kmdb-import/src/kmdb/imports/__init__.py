"""Imports: finding a source's revision files and enqueuing a job per file (POST /imports)."""
