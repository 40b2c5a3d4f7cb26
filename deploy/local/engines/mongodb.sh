# placeholder: mongodb is being written
install_mongodb() { say "mongodb: not yet implemented"; }
program_mongodb() { program mongodb "/bin/sleep infinity"; }
