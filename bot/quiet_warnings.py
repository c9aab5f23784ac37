"""Keeps the libraries' warnings off a command's output; our own warnings stay visible.

`install()` runs where the `contactpunt` command starts, before Rasa and its libraries are imported.
Deprecation, future and user warnings raised from any module outside our packages (Rasa's SQLAlchemy 2.0
notice, Sanic's, TensorFlow's...) are not shown; the same warnings raised from bot., actions. or handoff.
are, as is every other kind of warning from anywhere. `PYTHONWARNINGS=default contactpunt ...` shows all.

`python -m bot.quiet_warnings MODULE ARGS...` runs another module's command line (`rasa train ...`)
the same way, for child processes.
"""

import os
import runpy
import sys
import warnings
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import List, Tuple, Type

OUR_PACKAGES = ("bot", "actions", "handoff")
LIBRARY_CATEGORIES: Tuple[Type[Warning], ...] = (
    DeprecationWarning, PendingDeprecationWarning, FutureWarning, UserWarning,
)
#: Matches every module name except ours and `__main__` (warnings.filterwarnings anchors it at the start);
#: whether a `__main__` is ours is left to its file (see showwarning below).
NOT_OURS = r"(?!(?:" + "|".join(OUR_PACKAGES + ("__main__",)) + r")(?:\.|$))"
#: Read by the libraries when they are imported, here and in the child processes that inherit them.
#: TensorFlow's C++ log lines are not Python warnings; SQLAlchemy's "2.0 is coming" notice comes once per
#: process and Rasa's tracker store always trips it first, so silencing it hides nothing of ours.
CHILD_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


@lru_cache(maxsize=1)
def _our_directories() -> Tuple[Path, ...]:
    specs = (find_spec(name) for name in OUR_PACKAGES)
    return tuple(
        Path(location).resolve() for spec in specs if spec for location in spec.submodule_search_locations or []
    )


def is_ours(filename: str) -> bool:
    """Whether a warning's file is in one of our packages."""
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):
        return False
    return any(path.is_relative_to(directory) for directory in _our_directories())


def is_library_warning(category: Type[Warning], filename: str) -> bool:
    return issubclass(category, LIBRARY_CATEGORIES) and not is_ours(filename)


def install() -> None:
    """Hide the libraries' deprecation, future and user warnings in this process (idempotent).

    Not when warnings were asked for (`python -W ...`, PYTHONWARNINGS=default): then all are shown."""
    if sys.warnoptions:
        return
    for category in LIBRARY_CATEGORIES:
        warnings.filterwarnings("ignore", category=category, module=NOT_OURS)
    # Some libraries add a filter of their own when imported, in front of these (Sanic shows every
    # DeprecationWarning "once"), so the warnings that still get through are checked once more here.
    if not getattr(warnings.showwarning, "contactpunt_quiet", False):
        shown = warnings.showwarning

        def showwarning(message, category, filename, lineno, file=None, line=None):
            if not is_library_warning(category, filename):
                shown(message, category, filename, lineno, file, line)

        showwarning.contactpunt_quiet = True  # type: ignore[attr-defined]
        warnings.showwarning = showwarning
    for name, value in CHILD_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def command(module: str, *args: str) -> List[str]:
    """The command line that runs `python -m module args...` with the libraries' warnings hidden."""
    return [sys.executable, "-m", "bot.quiet_warnings", module, *args]


def _run_module(argv: List[str]) -> None:
    if not argv:
        sys.exit("usage: python -m bot.quiet_warnings MODULE [ARGS...]")
    install()
    sys.argv = argv
    runpy.run_module(argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _run_module(sys.argv[1:])
