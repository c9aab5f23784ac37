"""Rasa input channels for the school website (socket.io), Telegram and Microsoft Teams."""

#: The longest message a reporter can send on the web chat (widget, socket.io channel and case replies).
MAX_MESSAGE_CHARS = 4000
