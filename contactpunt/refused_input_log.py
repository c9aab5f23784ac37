"""A log filter that turns a library's traceback for input it refused (a malformed HTTP request or Engine.IO packet) into one line without the input."""

import logging
from typing import Optional, Tuple, Type


class RefusedInput(logging.Filter):
    """A record carrying one of `errors` becomes one INFO line naming the error's kind. The library has answered
    the sender already (aiohttp with a 400, Engine.IO by dropping the payload) and goes on; its
    traceback would only put what a stranger sent (cookies, paths, message bytes) into the log. With `message`,
    only records of that message are changed."""

    def __init__(self, what: str, errors: Tuple[Type[BaseException], ...], message: Optional[str] = None):
        super().__init__()
        self.what, self.errors, self.message = what, errors, message

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, self.errors) and self.message in (None, record.msg):
            record.msg, record.args = f"refused {self.what} (%s)", (type(error).__name__,)
            record.exc_info, record.exc_text, record.levelno, record.levelname = None, None, logging.INFO, "INFO"
        return True


def install(logger: logging.Logger, refused: RefusedInput) -> None:
    """Once per logger, however many apps or channels are made."""
    if not any(isinstance(f, RefusedInput) and f.what == refused.what for f in logger.filters):
        logger.addFilter(refused)
