"""Small helpers used by the library, the CLI and plugins (DESIGN §3a)."""

from __future__ import annotations

import os
import re
import threading
import time
from typing import Any, Iterable, Optional

_ulid_lock = threading.Lock()
_last_ulid: Optional[bytes] = None


def monotonic_ulid():
    """A ULID that sorts after every ULID this process made before it."""
    from ulid import ULID

    global _last_ulid
    with _ulid_lock:
        millis = time.time_ns() // 1_000_000
        new = millis.to_bytes(6, "big") + os.urandom(10)
        if _last_ulid is not None and new <= _last_ulid:
            incremented = int.from_bytes(_last_ulid, "big") + 1
            new = incremented.to_bytes(16, "big")
        _last_ulid = new
        return ULID.from_bytes(new)


def new_id() -> str:
    """A lower-case ULID string, the id format of logs.db rows."""
    return str(monotonic_ulid()).lower()


def simplify_usage_dict(d: dict[str, Any]) -> dict[str, Any]:
    """Drop zero and empty values, recursively (for compact token details)."""

    def simplify(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: simplify(v) for k, v in value.items()}
            return {k: v for k, v in out.items() if v not in (0, None, {}, [], "")}
        return value

    return simplify(d) or {}


def remove_dict_none_values(d: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in d.items():
        if value is None:
            continue
        if isinstance(value, dict):
            value = remove_dict_none_values(value)
            if not value:
                continue
        out[key] = value
    return out


def dicts_to_table_string(headings: list[str], dicts: Iterable[dict[str, Any]]) -> list[str]:
    """Render rows as aligned text columns (returns the lines)."""
    rows = [[str(d.get(h, "")) for h in headings] for d in dicts]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headings)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headings, widths)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return lines


def truncate_string(text: Optional[str], max_length: int = 100, normalize_whitespace: bool = False,
                    keep_end: bool = False) -> Optional[str]:
    if text is None:
        return None
    if normalize_whitespace:
        text = " ".join(text.split())
    if len(text) <= max_length:
        return text
    if keep_end and max_length >= 9:
        half = (max_length - 5) // 2
        return text[:half] + " ... " + text[-half:]
    return text[: max(max_length - 3, 0)] + "..."


_FENCE = re.compile(
    r"""(?m)^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*[\w+.#-]*[^\n]*\n(?P<code>.*?)^(?P=indent)(?P=fence)[ \t]*$""",
    re.DOTALL,
)


def extract_fenced_code_block(text: str, last: bool = False) -> Optional[str]:
    """The content of the first (or last) fenced code block, or None."""
    matches = list(_FENCE.finditer(text))
    if not matches:
        return None
    match = matches[-1] if last else matches[0]
    return match.group("code").removesuffix("\n")


def mimetype_from_bytes(data: bytes) -> Optional[str]:
    """Sniff a content type from the leading bytes."""
    import puremagic

    if not data:
        return None
    try:
        results = puremagic.magic_string(data[:4096])
    except (puremagic.PureError, ValueError):
        results = []
    except Exception:  # puremagic raises assorted errors on odd input
        results = []
    for result in results:
        if result.mime_type:
            return _normalise_mime(result.mime_type)
    return None


def mimetype_from_path(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as fp:
            head = fp.read(4096)
    except OSError:
        return None
    found = mimetype_from_bytes(head)
    if found:
        return found
    import mimetypes

    guessed, _ = mimetypes.guess_type(path)
    return guessed


_MIME_ALIASES = {
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/mp3": "audio/mpeg",
    "audio/x-mpeg": "audio/mpeg",
    "image/jpg": "image/jpeg",
}


def _normalise_mime(mime: str) -> str:
    return _MIME_ALIASES.get(mime, mime)
