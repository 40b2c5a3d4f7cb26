"""Platform operators: people who sign in to the leader, with permissions."""
