"""Chatbot logs, one `logging-<project>-YYYY-MM-DD` index per project and day."""
