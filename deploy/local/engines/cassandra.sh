# placeholder: cassandra is being written
install_cassandra() { say "cassandra: not yet implemented"; }
program_cassandra() { program cassandra "/bin/sleep infinity"; }
