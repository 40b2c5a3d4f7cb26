"""Messages exchanged between chatbots and their users: store, read, delete."""
