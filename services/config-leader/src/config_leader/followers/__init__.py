"""The followers: who they are and telling them to fetch now."""
