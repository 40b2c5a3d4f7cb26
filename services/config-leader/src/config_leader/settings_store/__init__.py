"""platform.yml (the platform variables) and its numbered revisions."""
