"""Where the embedded default keeps its files (queue, trackers, keys): CONTACTPUNT_DATA_DIR, default ./var."""

import os
from pathlib import Path


def data_dir() -> Path:
    return Path(os.environ.get("CONTACTPUNT_DATA_DIR", "var"))
