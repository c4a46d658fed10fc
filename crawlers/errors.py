"""Turning whatever ended a request into one human line for `FetchResult.error`."""

from __future__ import annotations

from urllib.parse import urlsplit

from OpenSSL import SSL
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.internet.error import TimeoutError as TxTimeoutError

from pyevents.pipeline.normalize.text import clean_text

MAX_ERROR_CHARS = 300
SCRAPY_TOO_MANY_REDIRECTS = "max redirections reached"  # RedirectMiddleware's IgnoreRequest message


class Refused(IgnoreRequest):
    """A request the crawler decided not to send (or not to follow); the message is the human reason."""


def describe_failure(exc: BaseException, request: Request, *, timeout: float, max_bytes: int) -> str:
    """One line for an operator: "HTTP 500", "timed out after 30 s (3 attempts)", "exceeded N bytes"…"""
    attempts = request.meta.get("retry_times", 0) + 1
    tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
    if isinstance(exc, Refused):
        text = str(exc)
    elif isinstance(exc, HttpError):
        text = _http_error(exc)
    elif isinstance(exc, (DownloadTimeoutError, TxTimeoutError)):
        text = f"timed out after {timeout:g} s ({tries})"
    elif isinstance(exc, DownloadCancelledError):
        text = f"exceeded {max_bytes} bytes"
    elif isinstance(exc, IgnoreRequest) and isinstance(exc.__cause__, _DecompressionMaxSizeExceeded):
        text = f"exceeded {max_bytes} bytes once decompressed"
    elif isinstance(exc, (CannotResolveHostError, DNSLookupError)):
        host = urlsplit(request.url).hostname
        # Our resolver answers "no address" when every answer was refused, so say both.
        text = f"cannot resolve {host}, or it resolved only to refused addresses ({tries})"
    elif isinstance(exc, (DownloadConnectionRefusedError, ConnectError)):
        text = f"could not connect: {_first_line(exc) or type(exc).__name__} ({tries})"
    elif isinstance(exc, ResponseDataLossError):
        text = f"connection closed before the whole body arrived ({tries})"
    elif isinstance(exc, DownloadFailedError) and _tls_problem(exc):
        text = f"TLS {_tls_problem(exc)}"
    elif isinstance(exc, DownloadFailedError):
        text = f"download failed: {_first_line(exc)} ({tries})"
    elif isinstance(exc, IgnoreRequest) and str(exc) == SCRAPY_TOO_MANY_REDIRECTS:
        text = "too many redirects"
    elif isinstance(exc, IgnoreRequest):
        text = _first_line(exc) or "request dropped"
    else:
        text = f"{type(exc).__name__}: {_first_line(exc)}"
    return clean_text(text, single_line=True)[:MAX_ERROR_CHARS]


def _http_error(exc: HttpError) -> str:
    response = exc.response
    if 300 <= response.status < 400:
        location = response.headers.get(b"Location")
        if not location:
            return f"HTTP {response.status} without a Location to follow"
        scheme = urlsplit(location.decode("latin-1").strip()).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            return f"refused: redirect to a {scheme}: URL"
        return f"HTTP {response.status} redirect not followed"
    return f"HTTP {response.status}"


def _tls_problem(exc: BaseException) -> str | None:
    """ "certificate verification failed" (or OpenSSL's reason) when a TLS handshake ended the download."""
    cause = exc.__cause__
    for reason in getattr(cause, "reasons", None) or []:
        error = getattr(reason, "value", None)
        if isinstance(error, SSL.Error):
            text = str(error)
            return "certificate verification failed" if "certificate verify failed" in text else f"handshake failed: {text}"
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
