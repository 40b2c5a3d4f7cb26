"""Chatbot logs, in daily `logging-YYYY-MM-DD` indices shared by every project."""
