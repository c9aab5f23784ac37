"""A library's traceback for refused input becomes one line without the input; other records stay as they are."""

import logging

from contactpunt.refused_input_log import RefusedInput, install


def test_a_refused_input_is_one_line_without_the_input_and_other_errors_keep_their_traceback(caplog):
    logger = logging.getLogger("tests.refused-input")
    install(logger, RefusedInput("a malformed payload", (ValueError,), "post request handler error"))
    install(logger, RefusedInput("a malformed payload", (ValueError,), "post request handler error"))
    assert len(logger.filters) == 1
    with caplog.at_level(logging.INFO, logger=logger.name):
        for message, error in (("post request handler error", ValueError("kanarie-bytes")),
                               ("service task exception", ValueError("still a bug")),
                               ("post request handler error", RuntimeError("also a bug"))):
            try:
                raise error
            except Exception:
                logger.exception(message)
    first, second, third = caplog.records
    assert (first.levelname, first.getMessage(), first.exc_info) == (
        "INFO", "refused a malformed payload (ValueError)", None)
    assert "kanarie" not in caplog.text
    assert second.levelname == "ERROR" and second.exc_info and third.levelname == "ERROR" and third.exc_info
