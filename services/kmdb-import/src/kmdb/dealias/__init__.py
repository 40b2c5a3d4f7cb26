"""De-aliasing: every identity linked by aliases is one user, whatever the order."""
