"""What series exist: environments, applications, metrics and their last timestamps."""
