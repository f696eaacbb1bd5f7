"""Where collections are kept: the interface a storage backend implements.

:class:`~llmio_embeddings.Collection` does the model work (content hashes,
batching, calling the embedding model) and hands rows to a
:class:`CollectionStorage`. The one built in is SQLite plus the matrix cache
(``sqlite_storage.py``); a plugin can keep collections elsewhere, an external
vector database for instance, by implementing this class and registering it
for a URL scheme::

    @llm.hookimpl
    def register_embedding_storage(register):
        register("qdrant", QdrantStorage)  # QdrantStorage("qdrant://host/...")

after which ``llm.Collection("docs", "qdrant://host/db")`` and ``llm similar
docs -d qdrant://host/db`` use it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Entry:
    """One search result."""

    id: str
    score: float
    content: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass
class CollectionInfo:
    """One collection, as listed by ``llm collections list``."""

    name: str
    model: str
    count: int


@dataclass
class StoredItem:
    """One row to write. ``embedding=None`` keeps the stored vector and only
    replaces the content and metadata given (those left None stay as they are)."""

    id: str
    embedding: Sequence[float] | None
    content_hash: bytes
    content: str | None = None
    content_blob: bytes | None = None
    metadata: dict[str, Any] | None = None


class CollectionStorage(ABC):
    """A place holding named collections of vectors, each made by one model.

    ``collection_id`` is whatever :meth:`create_collection` returned. Scores
    are cosine similarities; results come best first, equal scores in ID order.
    """

    @abstractmethod
    def find_collection(self, name: str) -> tuple[Any, str] | None:
        """(collection_id, model ID) of the collection called ``name``, or None."""

    @abstractmethod
    def create_collection(self, name: str, model_id: str) -> tuple[Any, str]:
        """Create the collection unless it exists; (collection_id, model ID) either way."""

    @abstractmethod
    def collections(self) -> list[CollectionInfo]:
        """Every collection, by name."""

    @abstractmethod
    def delete_collection(self, collection_id: Any) -> None:
        """Remove the collection and all of its items."""

    @abstractmethod
    def count(self, collection_id: Any) -> int:
        """Number of items in the collection."""

    @abstractmethod
    def content_hashes(self, collection_id: Any, ids: Sequence[str]) -> dict[str, bytes]:
        """The stored content hash of each of ``ids`` that exists."""

    @abstractmethod
    def write(self, collection_id: Any, items: Sequence[StoredItem]) -> None:
        """Insert or replace ``items`` all at once (one transaction where possible)."""

    @abstractmethod
    def vector(self, collection_id: Any, id: str) -> list[float] | None:
        """The stored vector of item ``id``, or None."""

    @abstractmethod
    def search(
        self,
        collection_id: Any,
        vector: Sequence[float],
        number: int,
        skip_id: str | None = None,
        exact: bool = False,
    ) -> list[Entry]:
        """The ``number`` items most similar to ``vector`` (leaving out ``skip_id``).

        ``exact=True`` asks for an exhaustive search where the backend would
        otherwise use an approximate index.
        """

    def build_index(self, collection_id: Any) -> bool:
        """Build an approximate index if the backend has one; whether it did."""
        return False

    def after_writes(self, collection_id: Any) -> None:
        """Called once after a run of writes (upkeep such as index building)."""

    def close(self) -> None:
        """Release connections."""


StorageFactory = Callable[[str], CollectionStorage]

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def storage_backends() -> dict[str, StorageFactory]:
    """Scheme -> factory for every backend plugins registered."""
    from llm.plugins import load_plugins, pm

    load_plugins()
    found: dict[str, StorageFactory] = {}

    def register(scheme: str, factory: StorageFactory) -> None:
        found[scheme.lower()] = factory

    hook = getattr(pm.hook, "register_embedding_storage", None)
    if hook is not None:
        hook(register=register)
    return found


def url_scheme(location: str) -> str | None:
    """The scheme of ``scheme://...``, or None for a file path."""
    match = _URL.match(location)
    return match.group(1).lower() if match else None


def open_storage(location: str) -> CollectionStorage:
    """The backend registered for ``location``'s URL scheme."""
    from .errors import EmbeddingsError

    scheme = url_scheme(location)
    factory = storage_backends().get(scheme or "")
    if factory is None:
        raise EmbeddingsError(
            f"No embedding storage is registered for '{scheme}://': install the plugin "
            "that provides it"
        )
    return factory(location)
