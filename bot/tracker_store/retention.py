"""Retention: conversations older than CONTACTPUNT_RETENTION_DAYS (default 7) are deleted, on a schedule and on demand."""

import asyncio
import logging
import os
from typing import Optional

logger = logging.getLogger(__name__)

RETENTION_ENV = "CONTACTPUNT_RETENTION_DAYS"
DEFAULT_DAYS = 7.0
INTERVAL_SECONDS = 3600


def retention_days() -> float:
    value = os.environ.get(RETENTION_ENV, "")
    try:
        days = float(value) if value else DEFAULT_DAYS
    except ValueError:
        raise ValueError(f"{RETENTION_ENV} must be a number of days, not {value!r}") from None
    if days <= 0:
        raise ValueError(f"{RETENTION_ENV} must be more than 0")
    return days


def clean_up(endpoints_path: str, days: Optional[float] = None, now: Optional[float] = None) -> int:
    """Delete expired conversations from the configured tracker store; returns how many."""
    from bot.tracker_store.encrypted import from_endpoints

    store = from_endpoints(endpoints_path)
    try:
        return store.delete_expired((days or retention_days()) * 86400, now)
    finally:
        store.engine.dispose()


async def clean_up_every_hour(endpoints_path: str) -> None:
    """The scheduled clean-up while `contactpunt run` is up (first run at start)."""
    while True:
        try:
            removed = await asyncio.get_running_loop().run_in_executor(None, clean_up, endpoints_path)
            logger.info("Retention clean-up removed %d expired conversation(s).", removed)
        except Exception as error:  # keep serving; say what kind of failure, never any content
            logger.error("Retention clean-up failed (%s).", type(error).__name__)
        await asyncio.sleep(INTERVAL_SECONDS)
