"""The errors the OpenAI models raise, and the one-line messages they carry.

Both request paths (our own client in :mod:`.api` and the ``openai`` SDK in
:mod:`.client`) raise these, with the same messages. Besides the message, an
:class:`APIError` says what went wrong in a form a caller can act on: the HTTP
status (``None`` when no response came), the API's error ``code`` (such as
``context_length_exceeded``) and whether trying again, or another model, makes
sense (``retryable``).
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

import llm

__all__ = ["APIError", "StreamEndedEarly", "clean", "mask_key", "safe_message",
           "status_message", "error_code", "is_retryable_status", "unexpected_response",
           "reason", "timed_out", "could_not_connect", "closed_early", "transport_failed",
           "invalid_response", "RETRY_STATUSES"]

#: Statuses worth retrying: request timeout, lock conflict, rate limit, server errors.
RETRY_STATUSES = frozenset({408, 409, 429})


class APIError(llm.ModelError):
    """A request to the API failed.

    ``status`` is the HTTP status of the answer, ``None`` for a connection failure,
    a timeout or a stream cut off; ``code`` is the API's own error code if it sent
    one; ``retryable`` is true for failures that another attempt may not meet
    (429, 5xx, timeouts, dropped connections) and false for those it would
    (bad request, authentication, unknown model).
    """

    def __init__(self, message: str, *, status: Optional[int] = None,
                 code: Optional[str] = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.retryable = retryable

    def with_message(self, message: str) -> "APIError":
        """The same error with another text (a key masked, say)."""
        copy = type(self)(message, status=self.status, code=self.code, retryable=self.retryable)
        copy.__cause__ = self.__cause__
        return copy


class StreamEndedEarly(APIError):
    """The server closed a stream before its end marker."""

    def __init__(self, message: str, *, status: Optional[int] = None,
                 code: Optional[str] = None, retryable: bool = True) -> None:
        super().__init__(message, status=status, code=code, retryable=retryable)


def is_retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES or status >= 500


def clean(text: str, limit: int = 300) -> str:
    """One line; an HTML error page reduced to its text."""
    if "<" in text and re.search(r"<(html|body|head|title|h1|!doctype)", text, re.I):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
        text = title.group(1) if title else re.sub(r"<[^>]+>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def mask_key(key: str) -> str:
    """``sk-...wxyz``: enough to recognise a key, not enough to use it."""
    return f"{key[:3]}...{key[-4:]}" if len(key) > 12 else "..."


def status_message(body: Any, text: str = "", reason: str = "") -> str:
    """The API's own explanation of an error status, on one line.

    ``body`` is the decoded JSON body (or the text when it was not JSON): OpenAI
    sends ``{"error": {"message": ...}}``, other servers ``{"detail": ...}`` or
    ``{"error": "..."}``; failing those, the raw text, then the reason phrase.
    """
    message = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            message = inner.get("message") or inner.get("detail")
        elif isinstance(inner, str):
            message = inner
        detail = body.get("detail")
        if message is None and isinstance(detail, (str, list)):
            message = detail if isinstance(detail, str) else json.dumps(detail)
    elif isinstance(body, str) and body.strip():
        message = body
    if message is None:
        message = text or reason or "error"
    return clean(str(message))


def error_code(body: Any) -> Optional[str]:
    """``error.code`` of an OpenAI-style error body (``context_length_exceeded``, ...)."""
    inner = body.get("error") if isinstance(body, dict) else None
    code = inner.get("code") if isinstance(inner, dict) else None
    return str(code) if code else None


def safe_message(message: str, url: Any = None, secret: Optional[str] = None) -> str:
    """``message`` without the ``user:password`` of ``url`` or the key ``secret``."""
    if url is not None:
        from llm.urls import scrub_credentials

        message = scrub_credentials(message, url)
    if secret and len(secret) > 3 and secret in message:
        message = message.replace(secret, mask_key(secret))
    return message


def reason(exc: BaseException) -> str:
    """Why a connection failed, briefly: ``Connection refused`` from
    ``[Errno 111] Connection refused``."""
    text = str(exc)
    errno_match = re.search(r"\[Errno -?\d+\] (.+?)('|\"|\)|$)", text)
    if errno_match:
        return errno_match.group(1)
    return clean(text) or type(exc).__name__


# The lines for failures without an HTTP answer, whichever client met them.


def timed_out(host: str) -> APIError:
    return APIError(f"Request to {host} timed out", retryable=True)


def could_not_connect(host: str, why: str = "") -> APIError:
    return APIError(f"Could not connect to {host}" + (f": {why}" if why else ""), retryable=True)


def closed_early(host: str) -> StreamEndedEarly:
    return StreamEndedEarly(f"Connection to {host} closed before the response was complete")


def transport_failed(host: str, why: str) -> APIError:
    return APIError(f"Error talking to {host}: {why}", retryable=True)


def invalid_response(host: str, why: str, retryable: bool = False) -> APIError:
    return APIError(f"Invalid response from {host}: {why}", retryable=retryable)


def unexpected_response(data: Any, field: str) -> dict:
    """``data`` when it is a JSON object with a list under ``field``; else a
    ModelError quoting what came instead (a proxy's HTML page sent with status
    200, say)."""
    if not isinstance(data, dict) or not isinstance(data.get(field), list):
        text = data if isinstance(data, str) else json.dumps(data, default=str)
        raise llm.ModelError(f"Unexpected response from the API: {clean(str(text))}")
    return data
