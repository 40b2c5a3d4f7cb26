"""Rendering role templates with platform variables."""
