"""The three filter tables: ignored users, whitelisted events, blacklisted properties."""
