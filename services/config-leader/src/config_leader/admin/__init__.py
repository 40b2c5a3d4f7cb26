"""The admin API: platform variables, their history, notify."""
