# placeholder: elasticsearch is being written
install_elasticsearch() { say "elasticsearch: not yet implemented"; }
program_elasticsearch() { program elasticsearch "/bin/sleep infinity"; }
