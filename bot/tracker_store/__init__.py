"""Rasa tracker store that keeps conversations encrypted at rest and lets them expire."""

from bot.tracker_store.encrypted import EncryptedSQLTrackerStore

__all__ = ["EncryptedSQLTrackerStore"]
