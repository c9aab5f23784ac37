"""Strict HTTP security headers for every page the project serves (web chat and adviser console), and no raw
request bytes in the error log."""

import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from contactpunt.refused_input_log import RefusedInput, install

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@web.middleware
async def security_headers(request: web.Request, handler):
    """Adds the headers to every response, error pages included; a page that sets its own CSP keeps it."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        response = error
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def quiet_malformed_requests() -> None:
    """aiohttp answers a request it cannot parse (a control character in a header, a broken request line) with a
    400 of its own, and logs it as "Error handling request" with the raw bytes: one line, without them."""
    install(logging.getLogger("aiohttp.server"), RefusedInput("a malformed HTTP request", (HttpProcessingError,)))
