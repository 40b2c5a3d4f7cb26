"""Users (people) and their identities: the timeline of one person."""
