"""config_follower: pulls its role's files from the leader, writes them, runs reload hooks."""
