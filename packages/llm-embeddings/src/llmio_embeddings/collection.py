"""Named collections of embeddings: the model work, over a storage backend.

A :class:`Collection` hashes content, skips what is unchanged, calls the
embedding model (several batches at once for models that allow it) and hands
the rows to its :class:`~llmio_embeddings.storage.CollectionStorage`: SQLite
with the matrix cache unless a plugin's backend is named.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

import llm

from .errors import (
    CollectionDoesNotExist,
    ContentTypeError,
    EmbeddingsError,
    ItemNotFoundError,
    ModelMismatchError,
)
from .sqlite_storage import SQLiteStorage, connection_of, open_database
from .storage import CollectionStorage, Entry, StoredItem, open_storage, url_scheme

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

Content = str | bytes
Progress = Callable[[int], Any]

__all__ = ["Collection", "Entry", "open_database"]


def _resolve_model_id(model_id: str) -> str:
    """The canonical ID for ``model_id`` (which may be an alias), or itself if unknown."""
    try:
        return llm.get_embedding_model(model_id).model_id
    except Exception:  # noqa: BLE001 - an unknown model is fine until it is needed
        return model_id


def parallel_batches(model: llm.EmbeddingModel, parallel: int | None = None) -> int:
    """How many batches to embed at once: ``parallel`` if given, else what the
    model declares in ``parallel_batches`` (remote APIs), else one."""
    if parallel is not None:
        return max(1, int(parallel))
    declared = getattr(model, "parallel_batches", None)
    return max(1, int(declared)) if declared else 1


def storage_for(db: Any) -> CollectionStorage:
    """The storage behind ``db``: a backend, a ``scheme://`` URL registered by a
    plugin, or SQLite (a sqlite-utils Database, a connection or a path)."""
    if isinstance(db, CollectionStorage):
        return db
    if isinstance(db, str) and url_scheme(db):
        return open_storage(db)
    return SQLiteStorage(connection_of(db))


class Collection:
    """A named group of embeddings, all made by the same model.

    ``db`` is a sqlite-utils ``Database``, a sqlite3 connection, a path, a
    ``scheme://`` URL of a registered storage backend, or a
    :class:`CollectionStorage`; an in-memory SQLite database when omitted.
    When the collection already exists its model is read from the storage.
    """

    DoesNotExist = CollectionDoesNotExist

    def __init__(
        self,
        name: str,
        db: sqlite_utils.Database | sqlite3.Connection | str | os.PathLike[str] | Any = None,
        model: llm.EmbeddingModel | None = None,
        model_id: str | None = None,
        create: bool = True,
    ) -> None:
        if db is None:
            import sqlite_utils

            db = sqlite_utils.Database(memory=True)
        self.storage = storage_for(db)
        self._db = None if isinstance(db, (str, os.PathLike, sqlite3.Connection)) else db
        self.name = name
        self._model = model

        requested: str | None = None
        if model is not None:
            requested = model.model_id
            if model_id is not None and _resolve_model_id(model_id) != requested:
                raise ModelMismatchError(
                    f"model= ({requested}) and model_id= ({model_id}) name different models"
                )
        elif model_id is not None:
            requested = _resolve_model_id(model_id)

        row = self.storage.find_collection(name)
        if row is None and create and requested is not None:
            row = self.storage.create_collection(name, requested)
        if row is None:
            if not create:
                raise CollectionDoesNotExist(f"Collection '{name}' does not exist")
            raise EmbeddingsError(
                f"Collection '{name}' does not exist: pass model= or model_id= to create it"
            )
        self._id, self.model_id = row
        if requested is not None and requested not in (
            self.model_id,
            _resolve_model_id(self.model_id),
        ):
            raise ModelMismatchError(
                f"Collection '{name}' uses model '{self.model_id}', not '{requested}'"
            )

    # -- properties ---------------------------------------------------------------

    def _sqlite(self) -> SQLiteStorage:
        if not isinstance(self.storage, SQLiteStorage):
            raise EmbeddingsError(f"Collection '{self.name}' is not stored in SQLite")
        return self.storage

    @property
    def conn(self) -> sqlite3.Connection:
        """The sqlite3 connection holding this collection (SQLite storage only)."""
        return self._sqlite().conn

    @property
    def db(self) -> sqlite_utils.Database:
        """The sqlite-utils Database holding this collection (SQLite storage only)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self._sqlite().conn)
        return self._db

    @property
    def id(self) -> Any:
        """The ID of this collection in its storage (an integer in SQLite)."""
        return self._id

    def model(self) -> llm.EmbeddingModel:
        """The embedding model for this collection (resolved on first use)."""
        if self._model is None:
            self._model = llm.get_embedding_model(self.model_id)
        return self._model

    def count(self) -> int:
        """Number of items stored in this collection."""
        return self.storage.count(self._id)

    @classmethod
    def exists(cls, db: Any, name: str) -> bool:
        """Whether ``db`` holds a collection called ``name``."""
        if isinstance(db, CollectionStorage) or (isinstance(db, str) and url_scheme(db)):
            return storage_for(db).find_collection(name) is not None
        conn = connection_of(db)
        if not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'collections'"
        ).fetchone():
            return False
        return (
            conn.execute("SELECT 1 FROM collections WHERE name = ?", [name]).fetchone() is not None
        )

    @staticmethod
    def content_hash(content: Content) -> bytes:
        """MD5 digest of the content (text as UTF-8), used to skip unchanged items."""
        if isinstance(content, str):
            content = content.encode("utf-8")
        return hashlib.md5(content).digest()

    # -- writing ------------------------------------------------------------------

    def embed(
        self,
        id: str,
        value: Content,
        metadata: dict[str, Any] | None = None,
        store: bool = False,
    ) -> None:
        """Embed ``value`` and store it under ``id`` (skipped if the content is unchanged)."""
        self.embed_multi_with_metadata([(id, value, metadata)], store=store)

    def embed_multi(
        self,
        entries: Iterable[tuple[str, Content]],
        store: bool = False,
        batch_size: int = 100,
        parallel: int | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Embed and store many ``(id, value)`` pairs, one transaction per batch."""
        self.embed_multi_with_metadata(
            ((id, value, None) for id, value in entries),
            store=store,
            batch_size=batch_size,
            parallel=parallel,
            progress=progress,
        )

    def embed_multi_with_metadata(
        self,
        entries: Iterable[tuple[str, Content, dict[str, Any] | None]],
        store: bool = False,
        batch_size: int = 100,
        parallel: int | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Embed and store many ``(id, value, metadata)`` triples, one transaction per batch.

        Items whose content hash matches the stored one are not sent to the
        model; their stored content and metadata are updated if given.
        ``parallel`` batches are sent to the model at once (default: the model's
        ``parallel_batches``, else 1); batches are still written in input
        order, so the result is the same as one at a time. ``progress(n)`` is
        called after each batch is written with the number of entries in it.
        """
        model = self.model()
        size = max(1, int(batch_size))
        if getattr(model, "batch_size", None):
            size = min(size, int(model.batch_size))
        batches = _batches(iter(entries), size)
        workers = parallel_batches(model, parallel)
        if workers == 1:
            for batch in batches:
                prepared = self._prepare(model, batch, store)
                self._write(prepared, _embed(model, prepared))
                if progress is not None:
                    progress(len(batch))
        else:
            self._embed_in_parallel(model, batches, store, workers, progress)
        self.storage.after_writes(self._id)

    def _embed_in_parallel(
        self,
        model: llm.EmbeddingModel,
        batches: Iterator[list],
        store: bool,
        workers: int,
        progress: Progress | None,
    ) -> None:
        """Up to ``workers`` batches at the model at once; each written, in input
        order, as soon as it and every batch before it are back."""
        from concurrent.futures import ThreadPoolExecutor

        pending: deque = deque()
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed")
        try:

            def write_oldest() -> None:
                prepared, future, count = pending.popleft()
                self._write(prepared, future.result())
                if progress is not None:
                    progress(count)

            for batch in batches:
                prepared = self._prepare(model, batch, store)
                pending.append((prepared, pool.submit(_embed, model, prepared), len(batch)))
                if len(pending) >= workers:
                    write_oldest()
            while pending:
                write_oldest()
        finally:
            for _, future, _ in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)

    def _prepare(self, model: llm.EmbeddingModel, batch: list, store: bool) -> list[StoredItem]:
        """The batch as items to write; those whose content changed (or is new)
        carry their value in ``embedding`` until the model has turned it into a vector."""
        items = []
        for entry in batch:
            id, value, metadata = entry if len(entry) == 3 else (*entry, None)
            if isinstance(value, bytearray):
                value = bytes(value)
            _check_content(model, value)
            items.append(
                StoredItem(
                    id=str(id),
                    embedding=value,
                    content_hash=self.content_hash(value),
                    content=value if store and isinstance(value, str) else None,
                    content_blob=value if store and isinstance(value, bytes) else None,
                    metadata=metadata,
                )
            )
        stored = self.storage.content_hashes(self._id, [item.id for item in items])
        for item in items:
            if stored.get(item.id) == item.content_hash:
                item.embedding = None
        return [
            item
            for item in items
            if item.embedding is not None
            or item.content is not None
            or item.content_blob is not None
            or item.metadata is not None
        ]

    def _write(self, items: list[StoredItem], vectors: list[Sequence[float]]) -> None:
        it = iter(vectors)
        for item in items:
            if item.embedding is not None:
                item.embedding = next(it)
        self.storage.write(self._id, items)

    def delete(self) -> None:
        """Delete this collection and all of its embeddings."""
        self.storage.delete_collection(self._id)

    # -- searching ----------------------------------------------------------------

    def similar(self, value: Content, number: int = 10, exact: bool = False) -> list[Entry]:
        """Items most similar to ``value``, embedded with the collection's model."""
        model = self.model()
        _check_content(model, value)
        return self.similar_by_vector(model.embed(value), number, exact=exact)

    def similar_by_id(self, id: str, number: int = 10, exact: bool = False) -> list[Entry]:
        """Items most similar to the stored item ``id``, excluding that item."""
        vector = self.storage.vector(self._id, str(id))
        if vector is None:
            raise ItemNotFoundError(f"No item with ID '{id}' in collection '{self.name}'")
        return self.similar_by_vector(vector, number, skip_id=str(id), exact=exact)

    def similar_by_vector(
        self,
        vector: Sequence[float],
        number: int = 10,
        skip_id: str | None = None,
        exact: bool = False,
    ) -> list[Entry]:
        """Items most similar to ``vector`` by cosine similarity, best first.

        Large collections with an approximate index use it unless ``exact``.
        """
        return self.storage.search(self._id, vector, number, skip_id=skip_id, exact=exact)

    def build_index(self) -> bool:
        """Build or update the approximate index (needs the ``index`` extra)."""
        return self.storage.build_index(self._id)

    def __repr__(self) -> str:
        return f"<Collection {self.name!r} model_id={self.model_id!r}>"


def _batches(entries: Iterator, size: int) -> Iterator[list]:
    while True:
        batch = list(islice(entries, size))
        if not batch:
            return
        yield batch


def _embed(model: llm.EmbeddingModel, items: list[StoredItem]) -> list[Sequence[float]]:
    """Vectors for the items that need one, checked to be one per item."""
    values = [item.embedding for item in items if item.embedding is not None]
    if not values:
        return []
    vectors = list(model.embed_multi(values, batch_size=len(values)))
    if len(vectors) != len(values):
        raise EmbeddingsError(
            f"Model {model.model_id} returned {len(vectors)} embeddings for {len(values)} inputs"
        )
    return vectors


def _check_content(model: llm.EmbeddingModel, value: Any) -> None:
    if isinstance(value, (bytes, bytearray)):
        if not getattr(model, "supports_binary", False):
            raise ContentTypeError(f"Model {model.model_id} does not support binary content")
    elif isinstance(value, str):
        if not getattr(model, "supports_text", True):
            raise ContentTypeError(f"Model {model.model_id} does not support text content")
    else:
        raise ContentTypeError(f"Content must be str or bytes, not {type(value).__name__}")
