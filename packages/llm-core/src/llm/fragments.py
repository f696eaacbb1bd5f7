"""Fragments: reusable pieces of prompt text with a source and a stable hash."""

from __future__ import annotations

import hashlib
from typing import Optional


class Fragment(str):
    """A string that remembers where it came from (a path, URL or loader)."""

    source: str

    def __new__(cls, content: str, source: Optional[str] = None) -> "Fragment":
        obj = super().__new__(cls, content)
        obj.source = source or ""
        return obj

    def id(self) -> str:
        """sha256 of the content: the key under which logs.db stores it once."""
        return hashlib.sha256(str(self).encode("utf-8")).hexdigest()
