"""The local web chat: a page on loopback that talks to Rasa's REST channel through a small proxy."""
