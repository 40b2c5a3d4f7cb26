"""Response times: how long a bot took to answer a request, per message and per conversation."""
