"""Makes the checkout's tests/ helpers (stack start, socket.io client, Redis) importable: they are not installed with the package."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tests_importable() -> Path:
    """Put the checkout's root on sys.path (once); returns it."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return ROOT
