"""Chatbot logs, in one `logging-all` index shared by every project."""
