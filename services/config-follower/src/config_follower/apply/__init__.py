"""Writing the leader's files into dataFolder: safely, atomically, all or nothing."""
