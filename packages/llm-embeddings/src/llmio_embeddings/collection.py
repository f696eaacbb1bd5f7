"""Named collections of embeddings stored in SQLite (``collections`` + ``embeddings``)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

import llm

from .errors import (
    CollectionDoesNotExist,
    ContentTypeError,
    DimensionMismatchError,
    EmbeddingsError,
    ItemNotFoundError,
    ModelMismatchError,
)
from .migrations import migrate

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

Content = str | bytes

# SQLite's default limit on bound parameters is 999 in older builds.
_MAX_PARAMS = 500


def busy_timeout_ms() -> int:
    """How long a writer waits for another process's lock: ``LLM_BUSY_TIMEOUT``
    seconds (default 30), the same setting as for logs.db."""
    from llm.logs import busy_timeout

    return int(busy_timeout() * 1000)


MMAP_SIZE = 1 << 30
# Rows fetched and scored together in a similarity search: big enough to
# amortise numpy's per-call cost, small enough to stay in the CPU cache.
_READ_CHUNK = 512


@dataclass
class Entry:
    """One search result."""

    id: str
    score: float
    content: str | None = None
    metadata: dict[str, Any] | None = None


def open_database(path: str | os.PathLike[str], *, reading: bool = False) -> sqlite3.Connection:
    """A connection to the embeddings database at ``path``, created if needed (0600).

    ``reading=True`` (commands that only read) refuses a file that is not an llm
    embeddings database instead of converting it to WAL.

    WAL mode with a busy timeout, so concurrent ``llm`` processes wait for each
    other instead of failing; ``synchronous = NORMAL`` (safe in WAL mode: a
    crash loses no committed data unless the OS itself goes down) keeps each
    batch's commit from paying for an fsync. A plain sqlite3 connection keeps
    sqlite-utils' import cost off the CLI; ``Collection.db`` wraps it on demand.
    """
    from llm.logs import check_database_kind, create_private_database

    if reading:
        check_database_kind(path, "an llm embeddings database", _is_embeddings_database)
    create_private_database(path)
    timeout_ms = busy_timeout_ms()
    conn = sqlite3.connect(os.fspath(path), timeout=timeout_ms / 1000, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            conn.execute("PRAGMA journal_mode = wal")
        except sqlite3.OperationalError:  # read-only file or directory: search still works
            pass
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _is_embeddings_database(tables: dict[str, set[str]]) -> bool:
    return "collections" in tables or "embeddings" in tables


def _connection(db: Any) -> sqlite3.Connection:
    """The sqlite3 connection behind a sqlite-utils Database, a connection or a path."""
    if isinstance(db, sqlite3.Connection):
        return db
    if isinstance(db, (str, os.PathLike)):
        return open_database(db)
    conn = getattr(db, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return conn
    raise TypeError(f"Expected a sqlite-utils Database, not {type(db).__name__}")


_packers: dict[int, struct.Struct] = {}


def _encode(vector: Sequence[float]) -> bytes:
    """``llm.encode`` with the struct format compiled once per vector length."""
    size = len(vector)
    packer = _packers.get(size)
    if packer is None:
        packer = _packers[size] = struct.Struct(f"<{size}f")
    return packer.pack(*vector)


def _resolve_model_id(model_id: str) -> str:
    """The canonical ID for ``model_id`` (which may be an alias), or itself if unknown."""
    try:
        return llm.get_embedding_model(model_id).model_id
    except Exception:  # noqa: BLE001 - an unknown model is fine until it is needed
        return model_id


class Collection:
    """A named group of embeddings, all made by the same model, in a SQLite database.

    ``db`` is a sqlite-utils ``Database`` (or a sqlite3 connection, or a path);
    an in-memory database is used when it is omitted. When the collection
    already exists its model is read from the ``collections`` table.
    """

    DoesNotExist = CollectionDoesNotExist

    def __init__(
        self,
        name: str,
        db: sqlite_utils.Database | sqlite3.Connection | str | os.PathLike[str] | None = None,
        model: llm.EmbeddingModel | None = None,
        model_id: str | None = None,
        create: bool = True,
    ) -> None:
        if db is None:
            import sqlite_utils

            db = sqlite_utils.Database(memory=True)
        self._conn = _connection(db)
        self._db = None if isinstance(db, (str, os.PathLike, sqlite3.Connection)) else db
        self.name = name
        self._model = model
        conn = self._conn
        if conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0:
            conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        if conn.execute("PRAGMA mmap_size").fetchone() == (0,):  # no row for :memory:
            # Reading every vector through a memory map skips a copy per page.
            conn.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
        migrate(conn)

        requested: str | None = None
        if model is not None:
            requested = model.model_id
            if model_id is not None and _resolve_model_id(model_id) != requested:
                raise ModelMismatchError(
                    f"model= ({requested}) and model_id= ({model_id}) name different models"
                )
        elif model_id is not None:
            requested = _resolve_model_id(model_id)

        row = self._find(name)
        if row is None and create and requested is not None:
            row = self._create(name, requested)
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

    def _find(self, name: str) -> tuple[int, str] | None:
        return self._conn.execute(
            "SELECT id, model FROM collections WHERE name = ? ORDER BY id LIMIT 1", [name]
        ).fetchone()

    def _create(self, name: str, model_id: str) -> tuple[int, str]:
        """Insert the collection, unless another process got there first."""
        conn = self._conn
        began = not conn.in_transaction
        if began:
            conn.execute("BEGIN IMMEDIATE")
        try:
            row = self._find(name)
            if row is None:
                cursor = conn.execute(
                    "INSERT INTO collections (name, model) VALUES (?, ?)", [name, model_id]
                )
                row = (int(cursor.lastrowid), model_id)  # type: ignore[arg-type]
        except BaseException:
            if began:
                conn.rollback()
            raise
        if began:
            conn.commit()
        return row

    # -- properties ---------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        return self._conn

    @property
    def db(self) -> sqlite_utils.Database:
        """The sqlite-utils Database holding this collection."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self._conn)
        return self._db

    @property
    def id(self) -> int:
        """The integer ID of this collection in the ``collections`` table."""
        return self._id

    def model(self) -> llm.EmbeddingModel:
        """The embedding model for this collection (resolved on first use)."""
        if self._model is None:
            self._model = llm.get_embedding_model(self.model_id)
        return self._model

    def count(self) -> int:
        """Number of items stored in this collection."""
        return self.conn.execute(
            "SELECT count(*) FROM embeddings WHERE collection_id = ?", [self._id]
        ).fetchone()[0]

    @classmethod
    def exists(cls, db: sqlite_utils.Database | sqlite3.Connection, name: str) -> bool:
        """Whether ``db`` holds a collection called ``name``."""
        conn = _connection(db)
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
    ) -> None:
        """Embed and store many ``(id, value)`` pairs, one transaction per batch."""
        self.embed_multi_with_metadata(
            ((id, value, None) for id, value in entries), store=store, batch_size=batch_size
        )

    def embed_multi_with_metadata(
        self,
        entries: Iterable[tuple[str, Content, dict[str, Any] | None]],
        store: bool = False,
        batch_size: int = 100,
    ) -> None:
        """Embed and store many ``(id, value, metadata)`` triples, one transaction per batch.

        Items whose content hash matches the stored one are not sent to the
        model; their stored content and metadata are updated if given.
        """
        model = self.model()
        size = max(1, int(batch_size))
        if getattr(model, "batch_size", None):
            size = min(size, int(model.batch_size))
        iterator = iter(entries)
        while True:
            batch = list(islice(iterator, size))
            if not batch:
                break
            self._store_batch(model, batch, store)

    def _store_batch(self, model: llm.EmbeddingModel, batch: list, store: bool) -> None:
        items = []
        for entry in batch:
            id, value, metadata = entry if len(entry) == 3 else (*entry, None)
            if isinstance(value, bytearray):
                value = bytes(value)
            _check_content(model, value)
            items.append((str(id), value, metadata, self.content_hash(value)))

        stored = self._stored_hashes([item[0] for item in items])
        to_embed = [item for item in items if stored.get(item[0]) != item[3]]
        unchanged = [item for item in items if stored.get(item[0]) == item[3]]

        vectors: list[Sequence[float]] = []
        if to_embed:
            vectors = list(
                model.embed_multi([item[1] for item in to_embed], batch_size=len(to_embed))
            )
            if len(vectors) != len(to_embed):
                raise EmbeddingsError(
                    f"Model {model.model_id} returned {len(vectors)} embeddings "
                    f"for {len(to_embed)} inputs"
                )
        now = int(time.time())
        rows = [
            (
                self._id,
                id,
                _encode(vector),
                value if store and isinstance(value, str) else None,
                value if store and isinstance(value, bytes) else None,
                content_hash,
                json.dumps(metadata) if metadata is not None else None,
                now,
            )
            for (id, value, metadata, content_hash), vector in zip(to_embed, vectors)
        ]
        updates = [
            (
                value if store and isinstance(value, str) else None,
                value if store and isinstance(value, bytes) else None,
                json.dumps(metadata) if metadata is not None else None,
                self._id,
                id,
            )
            for id, value, metadata, _ in unchanged
            if store or metadata is not None
        ]
        if not rows and not updates:
            return
        with self.conn:
            if rows:
                self.conn.executemany(
                    "INSERT OR REPLACE INTO embeddings (collection_id, id, embedding, content, "
                    "content_blob, content_hash, metadata, updated) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            if updates:
                self.conn.executemany(
                    "UPDATE embeddings SET content = coalesce(?, content), "
                    "content_blob = coalesce(?, content_blob), metadata = coalesce(?, metadata) "
                    "WHERE collection_id = ? AND id = ?",
                    updates,
                )

    def _stored_hashes(self, ids: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(ids), _MAX_PARAMS):
            chunk = ids[start : start + _MAX_PARAMS]
            sql = (
                "SELECT id, content_hash FROM embeddings WHERE collection_id = ? AND id IN ("
                + ", ".join("?" * len(chunk))
                + ")"
            )
            found.update(self.conn.execute(sql, [self._id, *chunk]).fetchall())
        return found

    def delete(self) -> None:
        """Delete this collection and all of its embeddings."""
        with self.conn:
            self.conn.execute("DELETE FROM embeddings WHERE collection_id = ?", [self._id])
            self.conn.execute("DELETE FROM collections WHERE id = ?", [self._id])

    # -- searching ----------------------------------------------------------------

    def similar(self, value: Content, number: int = 10) -> list[Entry]:
        """Items most similar to ``value``, embedded with the collection's model."""
        model = self.model()
        _check_content(model, value)
        return self.similar_by_vector(model.embed(value), number)

    def similar_by_id(self, id: str, number: int = 10) -> list[Entry]:
        """Items most similar to the stored item ``id``, excluding that item."""
        row = self.conn.execute(
            "SELECT embedding FROM embeddings WHERE collection_id = ? AND id = ?",
            [self._id, str(id)],
        ).fetchone()
        if row is None or row[0] is None:
            raise ItemNotFoundError(f"No item with ID '{id}' in collection '{self.name}'")
        return self.similar_by_vector(llm.decode(row[0]), number, skip_id=str(id))

    def similar_by_vector(
        self, vector: Sequence[float], number: int = 10, skip_id: str | None = None
    ) -> list[Entry]:
        """Items most similar to ``vector`` by cosine similarity, best first."""
        return self._similar(vector, number, skip_id)

    def _similar(
        self,
        vector: Sequence[float],
        number: int,
        skip_id: str | None,
        timings: dict[str, float] | None = None,
    ) -> list[Entry]:
        """Score every row in one streamed SELECT, then fetch just the top ``number``.

        ``timings``, if given, collects seconds spent reading rows from SQLite
        ("read"), scoring them ("score"), selecting the top N ("top") and
        fetching and rescoring those ("fetch").
        """
        from .similarity import ChunkScorer

        conn = self.conn
        began = not conn.in_transaction
        if began:
            conn.execute("BEGIN")  # one snapshot for the scan and the top-N fetch
        try:
            count = conn.execute(
                "SELECT count(*) FROM embeddings WHERE collection_id = ?", [self._id]
            ).fetchone()[0]
            scorer = ChunkScorer(vector, count)
            if not count or number <= 0:
                return []
            ids = self._score_rows(scorer, count, timings)
            started = time.perf_counter()
            skip_index = None
            if skip_id is not None:
                try:
                    skip_index = ids.index(str(skip_id))
                except ValueError:
                    skip_index = None
            top_ids = [ids[index] for index in scorer.top(number, skip_index)]
            if timings is not None:
                timings["top"] = timings.get("top", 0.0) + time.perf_counter() - started
            started = time.perf_counter()
            entries = self._entries(top_ids, scorer)
            if timings is not None:
                timings["fetch"] = timings.get("fetch", 0.0) + time.perf_counter() - started
            return entries
        finally:
            if began:
                conn.commit()

    def _score_rows(self, scorer: Any, count: int, timings: dict[str, float] | None) -> list[str]:
        """Stream (id, embedding) for the whole collection through ``scorer``; return the ids.

        Rows arrive ``_READ_CHUNK`` at a time and each chunk's blobs are joined
        in C, so there is no per-row Python work beyond the fetch itself.
        """
        conn = self.conn
        total = conn.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        # Index order means random page reads; a sequential scan of the table
        # is faster unless this collection is a small part of it.
        where = "+collection_id = ?" if count * 4 >= total else "collection_id = ?"
        cursor = conn.execute(f"SELECT id, embedding FROM embeddings WHERE {where}", [self._id])
        ids: list[str] = []
        width = 0
        read = score = 0.0
        clock = time.perf_counter
        while True:
            started = clock()
            chunk = cursor.fetchmany(_READ_CHUNK)
            if not chunk:
                break
            chunk_ids, blobs = zip(*chunk)
            if None in blobs:
                kept = [(id, blob) for id, blob in chunk if blob is not None]
                if not kept:
                    continue
                chunk_ids, blobs = zip(*kept)
            if not width:
                width = len(blobs[0])
                if width == 0 or width % 4:
                    raise EmbeddingsError(
                        f"Collection '{self.name}' holds embeddings that are not float32 vectors"
                    )
            data = b"".join(blobs)
            if len(data) != width * len(blobs):
                other = next(len(blob) for blob in blobs if len(blob) != width)
                raise DimensionMismatchError(
                    f"Collection '{self.name}' mixes vectors of {width // 4} and "
                    f"{other // 4} dimensions"
                )
            middle = clock()
            scorer.add(data, len(blobs))
            ids.extend(chunk_ids)
            read += middle - started
            score += clock() - middle
        if timings is not None:
            timings["read"] = timings.get("read", 0.0) + read
            timings["score"] = timings.get("score", 0.0) + score
        return ids

    def _entries(self, wanted: list[str], scorer: Any) -> list[Entry]:
        """Fetch and rescore just the top results; best first, equal scores in ID order."""
        details: dict[str, tuple[float, str | None, str | None]] = {}
        for start in range(0, len(wanted), _MAX_PARAMS):
            chunk = wanted[start : start + _MAX_PARAMS]
            sql = (
                "SELECT id, embedding, content, metadata FROM embeddings "
                "WHERE collection_id = ? AND id IN (" + ", ".join("?" * len(chunk)) + ")"
            )
            for id, blob, content, metadata in self.conn.execute(sql, [self._id, *chunk]):
                details[id] = (scorer.exact(blob), content, metadata)
        ranked = sorted(details.items(), key=lambda item: (-item[1][0], item[0]))
        return [
            Entry(
                id=id,
                score=score,
                content=content,
                metadata=json.loads(metadata) if metadata else None,
            )
            for id, (score, content, metadata) in ranked
        ]

    def __repr__(self) -> str:
        return f"<Collection {self.name!r} model_id={self.model_id!r}>"


def _check_content(model: llm.EmbeddingModel, value: Any) -> None:
    if isinstance(value, (bytes, bytearray)):
        if not getattr(model, "supports_binary", False):
            raise ContentTypeError(f"Model {model.model_id} does not support binary content")
    elif isinstance(value, str):
        if not getattr(model, "supports_text", True):
            raise ContentTypeError(f"Model {model.model_id} does not support text content")
    else:
        raise ContentTypeError(f"Content must be str or bytes, not {type(value).__name__}")
