"""Attachments: images, audio, documents sent along with a prompt."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Optional

from .errors import AttachmentError
from .utils import mimetype_from_bytes, mimetype_from_path


@dataclass
class Attachment:
    type: Optional[str] = None
    path: Optional[str] = None
    url: Optional[str] = None
    content: Optional[bytes] = None
    _id: Optional[str] = field(default=None, repr=False)
    #: True when ``content`` was fetched from ``url`` (the id stays URL-based).
    _fetched: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.path is not None:
            self.path = str(self.path)

    def hash_id(self) -> str:
        if self.path is None and self.url is not None and (self.content is None or self._fetched):
            return hashlib.sha256(json.dumps({"url": self.url}).encode("utf-8")).hexdigest()
        return hashlib.sha256(self.content_bytes()).hexdigest()

    def id(self) -> str:
        """Database id: sha256 of the bytes, or of ``{"url": url}`` for URL attachments."""
        if self._id is None:
            self._id = self.hash_id()
        return self._id

    def resolve_type(self) -> str:
        if self.type:
            return self.type
        found: Optional[str] = None
        if self.content is not None:
            found = mimetype_from_bytes(self.content)
        elif self.path:
            from .files import NotARegularFile, check_regular_file

            try:
                check_regular_file(self.path, "Attachment")
            except NotARegularFile as exc:
                raise AttachmentError(str(exc)) from None
            found = mimetype_from_path(self.path)
        elif self.url:
            # The type is all that is needed here: ask with HEAD, download only when
            # the server does not say (a plugin may send the URL, not the bytes).
            found = _head_type(self.url)
            if not found:
                data, header_type = _fetch(self.url)
                self.content = data
                self._fetched = True
                found = mimetype_from_bytes(data) or header_type
        if not found:
            raise AttachmentError(f"Could not determine the content type of {self.describe()}")
        self.type = found
        return found

    def content_bytes(self) -> bytes:
        if self.content is not None:
            return self.content
        if self.path:
            from .files import NotARegularFile, read_regular_file

            try:
                self.content = read_regular_file(self.path, "Attachment")
            except NotARegularFile as exc:
                raise AttachmentError(str(exc)) from None
            return self.content
        if self.url:
            self.content, _ = _fetch(self.url)
            self._fetched = True
            return self.content
        raise AttachmentError("Attachment has no path, url or content")

    def base64_content(self) -> str:
        return base64.b64encode(self.content_bytes()).decode("utf-8")

    def describe(self) -> str:
        return self.path or self.url or "attachment content"

    def __repr__(self) -> str:
        info = [f"type={self.type!r}"] if self.type else []
        if self.path:
            info.append(f"path={self.path!r}")
        if self.url:
            info.append(f"url={self.url!r}")
        if self.content is not None and not (self.path or self.url):
            info.append(f"content=<{len(self.content)} bytes>")
        return f"Attachment({', '.join(info)})"

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Attachment":
        return cls(type=row.get("type"), path=row.get("path"), url=row.get("url"),
                   content=row.get("content"), _id=row.get("id"))


def _head_type(url: str) -> Optional[str]:
    """The content type a server declares for ``url`` (HEAD), if it is a specific one."""
    from .urls import FetchError, fetch_url

    try:
        header = fetch_url(url, what="attachment", method="HEAD").content_type
    except FetchError:
        return None  # some servers refuse HEAD: the GET that follows reports errors
    if header in (None, "application/octet-stream", "text/plain", "binary/octet-stream"):
        return None
    return header


def _fetch(url: str) -> tuple[bytes, Optional[str]]:
    """GET a URL within the fetch limits (:mod:`llm.urls`): (body, content-type header)."""
    from .urls import FetchError, fetch_url

    try:
        fetched = fetch_url(url, what="attachment")
    except FetchError as exc:
        raise AttachmentError(str(exc)) from exc
    data, header = fetched.body, fetched.content_type
    if header in ("application/octet-stream", "text/plain") and data:
        header = None if mimetype_from_bytes(data) else header
    return data, header
