"""config_leader: holds platform variables and role templates, serves rendered files to followers."""
