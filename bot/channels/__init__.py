"""Rasa input channels for the school website (socket.io), Telegram and Microsoft Teams."""
