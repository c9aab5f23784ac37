"""Rasa SDK custom actions: what the assistant says from the institution profile, and the handoff."""
