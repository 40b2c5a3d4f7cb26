"""analytics: chatbot message logging and analytics (the memex logging API, v2)."""
