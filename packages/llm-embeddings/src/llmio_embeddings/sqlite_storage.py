"""The built-in storage: the documented SQLite tables plus the matrix cache.

Rows live in ``collections`` and ``embeddings`` exactly as documented; searches
go through the memory-mapped matrix kept beside the database (``matrix.py``)
and, for large collections with the ``index`` extra installed, an approximate
index over it (``ann.py``). Every write through this class patches the cache
in step; a change made by any other program moves the collection's version
counter, and the next search rebuilds the cache from the rows.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

import llm

from . import ann
from .errors import EmbeddingsError
from .matrix import MatrixCache, Snapshot, StaleCache, exact_candidates, in_memory_snapshot
from .migrations import collection_version, migrate
from .storage import CollectionInfo, CollectionStorage, Entry, StoredItem

# SQLite's default limit on bound parameters is 999 in older builds.
_MAX_PARAMS = 500
MMAP_SIZE = 1 << 30


def busy_timeout_ms() -> int:
    """How long a writer waits for another process's lock: ``LLM_BUSY_TIMEOUT``
    seconds (default 30), the same setting as for logs.db."""
    from llm.logs import busy_timeout

    return int(busy_timeout() * 1000)


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


def connection_of(db: Any) -> sqlite3.Connection:
    """The sqlite3 connection behind a sqlite-utils Database, a connection or a path."""
    if isinstance(db, sqlite3.Connection):
        return db
    if isinstance(db, (str, os.PathLike)):
        return open_database(db)
    conn = getattr(db, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        return conn
    raise TypeError(f"Expected a sqlite-utils Database, not {type(db).__name__}")


def list_collections(db: Any) -> list[CollectionInfo]:
    """Every collection in an embeddings database (SQLite or a storage backend), by
    name; none if the database has no tables yet."""
    if isinstance(db, CollectionStorage):
        return db.collections()
    conn = connection_of(db)
    if not conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'collections'"
    ).fetchone():
        return []
    return [
        CollectionInfo(name, model, count)
        for name, model, count in conn.execute(
            "SELECT collections.name, collections.model, count(embeddings.id) "
            "FROM collections LEFT JOIN embeddings "
            "ON embeddings.collection_id = collections.id "
            "GROUP BY collections.id ORDER BY collections.name"
        ).fetchall()
    ]


class _Transaction:
    """BEGIN (or BEGIN IMMEDIATE) ... COMMIT, unless the caller already opened one."""

    def __init__(self, conn: sqlite3.Connection, immediate: bool = False) -> None:
        self.conn = conn
        self.immediate = immediate
        self.began = False

    def __enter__(self) -> _Transaction:  # noqa: PYI034 - never subclassed
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE" if self.immediate else "BEGIN")
            self.began = True
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if not self.began:
            return
        if exc_type is None:
            self.conn.commit()
        else:
            self.conn.rollback()


class SQLiteStorage(CollectionStorage):
    """Collections in one SQLite database (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        if conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0:
            conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        if conn.execute("PRAGMA mmap_size").fetchone() == (0,):  # no row for :memory:
            conn.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
        migrate(conn)
        #: Seconds spent in each step of the last search, for bench/similar.py.
        self.timings: dict[str, float] = {}
        # collection_id -> (version, ID -> matrix row), kept from one patch to the next
        self._rows: dict[int, tuple[int, dict[str, int]]] = {}

    # -- collections ---------------------------------------------------------------

    def find_collection(self, name: str) -> tuple[int, str] | None:
        return self.conn.execute(
            "SELECT id, model FROM collections WHERE name = ? ORDER BY id LIMIT 1", [name]
        ).fetchone()

    def create_collection(self, name: str, model_id: str) -> tuple[int, str]:
        with _Transaction(self.conn, immediate=True):
            row = self.find_collection(name)
            if row is None:
                cursor = self.conn.execute(
                    "INSERT INTO collections (name, model) VALUES (?, ?)", [name, model_id]
                )
                row = (int(cursor.lastrowid), model_id)  # type: ignore[arg-type]
                # Its counter starts at random (one left by a deleted collection
                # with the same ID carries on instead).
                self.conn.execute(
                    "INSERT OR IGNORE INTO collection_versions (collection_id, version) "
                    "VALUES (?, abs(random() % 1000000000000))",
                    [row[0]],
                )
        return row

    def collections(self) -> list[CollectionInfo]:
        return list_collections(self.conn)

    def delete_collection(self, collection_id: int) -> None:
        with _Transaction(self.conn, immediate=True):
            self.conn.execute("DELETE FROM embeddings WHERE collection_id = ?", [collection_id])
            self.conn.execute("DELETE FROM collections WHERE id = ?", [collection_id])
        cache = MatrixCache.for_connection(self.conn, collection_id)
        if cache is not None:
            cache.remove()

    def _name(self, collection_id: int) -> str:
        row = self.conn.execute(
            "SELECT name FROM collections WHERE id = ?", [collection_id]
        ).fetchone()
        return row[0] if row else str(collection_id)

    # -- items ---------------------------------------------------------------------

    def count(self, collection_id: int) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM embeddings WHERE collection_id = ?", [collection_id]
        ).fetchone()[0]

    def content_hashes(self, collection_id: int, ids: Sequence[str]) -> dict[str, bytes]:
        return dict(self._select(collection_id, "content_hash", list(ids)))

    def write(self, collection_id: int, items: Sequence[StoredItem]) -> None:
        """One transaction; then the matrix cache is patched with the new vectors."""
        now = int(time.time())
        rows = [
            (
                collection_id,
                item.id,
                _encode(item.embedding),
                item.content,
                item.content_blob,
                item.content_hash,
                json.dumps(item.metadata) if item.metadata is not None else None,
                now,
            )
            for item in items
            if item.embedding is not None
        ]
        updates = [
            (
                item.content,
                item.content_blob,
                json.dumps(item.metadata) if item.metadata is not None else None,
                collection_id,
                item.id,
            )
            for item in items
            if item.embedding is None
        ]
        if not rows and not updates:
            return
        transaction = _Transaction(self.conn, immediate=True)
        with transaction:
            before = collection_version(self.conn, collection_id)
            existing = set(self.content_hashes(collection_id, [row[1] for row in rows]))
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
            after = collection_version(self.conn, collection_id)
        if transaction.began and after != before:
            changes = [(item.id, item.embedding) for item in items if item.embedding is not None]
            self._patch(collection_id, before, after, changes, existing)

    def _patch(
        self, collection_id: int, before: int, after: int, changes: list, existing: set[str]
    ) -> None:
        cache = MatrixCache.for_connection(self.conn, collection_id)
        if cache is None or not cache.path(".json").exists():
            return  # nothing cached yet: the first search builds it
        version, known = self._rows.pop(collection_id, (None, None))
        try:
            done, known = cache.patch(
                before, after, changes, existing, known if version == before else None
            )
        except OSError:
            cache.invalidate()
            return
        if done and known is not None:
            self._rows[collection_id] = (after, known)

    def vector(self, collection_id: int, id: str) -> list[float] | None:
        row = self.conn.execute(
            "SELECT embedding FROM embeddings WHERE collection_id = ? AND id = ?",
            [collection_id, id],
        ).fetchone()
        if row is None or row[0] is None:
            return None
        return list(llm.decode(row[0]))

    # -- searching -----------------------------------------------------------------

    def search(
        self,
        collection_id: int,
        vector: Sequence[float],
        number: int,
        skip_id: str | None = None,
        exact: bool = False,
    ) -> list[Entry]:
        """Candidates from the matrix (or index), then the rows fetched and rescored.

        The version check, the search and the fetch share one read transaction,
        so the rows fetched are the rows the cache was checked against.
        """
        self.timings = {}
        if number <= 0:
            return []
        wanted = number + (1 if skip_id is not None else 0)
        with _Transaction(self.conn):
            version = collection_version(self.conn, collection_id)
            cache = MatrixCache.for_connection(self.conn, collection_id)
            if cache is not None:
                for force in (False, True):
                    try:
                        return self._cached_search(
                            cache, collection_id, version, vector, wanted, skip_id, exact, force
                        )[:number]
                    except StaleCache:
                        continue
                    except OSError:  # a folder we cannot write: search without a cache
                        break
            snapshot = in_memory_snapshot(
                self.conn, collection_id, self._name(collection_id), version
            )
            return self._finish(snapshot, collection_id, vector, wanted, skip_id, True)[:number]

    def _cached_search(
        self,
        cache: MatrixCache,
        collection_id: int,
        version: int,
        vector: Sequence[float],
        wanted: int,
        skip_id: str | None,
        exact: bool,
        force: bool,
    ) -> list[Entry]:
        started = time.perf_counter()
        if not force:
            with cache.locked(exclusive=False):
                snapshot = cache.open(version)
                if snapshot is not None:
                    self.timings["open"] = time.perf_counter() - started
                    try:
                        return self._finish(snapshot, collection_id, vector, wanted, skip_id, exact)
                    finally:
                        snapshot.close()
        with cache.locked(exclusive=True):
            snapshot = None if force else cache.open(version)
            if snapshot is None:
                cache.rebuild(self.conn, self._name(collection_id), version)
                snapshot = cache.open(version)
                if snapshot is None:
                    raise OSError("the matrix cache could not be written")
            self.timings["rebuild"] = time.perf_counter() - started
            try:
                return self._finish(snapshot, collection_id, vector, wanted, skip_id, exact)
            finally:
                snapshot.close()

    def _finish(
        self,
        snapshot: Snapshot,
        collection_id: int,
        vector: Sequence[float],
        wanted: int,
        skip_id: str | None,
        exact: bool,
    ) -> list[Entry]:
        """Candidates, then their rows from SQLite, scored in float64 from the blobs."""
        from .matrix import unit_query

        if snapshot.rows == 0:
            return []
        started = time.perf_counter()
        query = unit_query(vector, snapshot.dims)
        candidates = None if exact else ann.candidates(snapshot, query, wanted)
        if candidates is None:
            candidates = exact_candidates(snapshot, query, wanted)
        scored = {snapshot.id_at(row): score for row, score in candidates}
        middle = time.perf_counter()
        entries = self._fetch(collection_id, scored, vector, wanted)
        self.timings["score"] = middle - started
        self.timings["fetch"] = time.perf_counter() - middle
        return [entry for entry in entries if entry.id != skip_id]

    def _fetch(
        self, collection_id: int, scored: dict[str, float], vector: Sequence[float], wanted: int
    ) -> list[Entry]:
        """The best ``wanted`` candidates, rescored in float64 from their blobs, best
        first (equal scores in ID order), with content and metadata. StaleCache when
        a candidate is missing or its stored vector is not the one cached."""
        import numpy as np

        ids = list(scored)
        rows = dict(self._select(collection_id, "embedding", ids))
        if len(rows) != len(ids):
            raise StaleCache("an item in the cache is not in the database")
        query = np.asarray(vector, dtype=np.float64)
        width = query.shape[0] * 4
        if any(blob is None or len(blob) != width for blob in rows.values()):
            raise StaleCache("an item's vector is not the one cached")
        matrix = np.frombuffer(b"".join(rows[id] for id in ids), dtype="<f4").reshape(len(ids), -1)
        matrix = matrix.astype(np.float64)
        norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(query)
        with np.errstate(divide="ignore", invalid="ignore"):
            exact = np.where(norms > 0, (matrix @ query) / norms, 0.0)
        cached = np.asarray([scored[id] for id in ids], dtype=np.float64)
        if not (np.abs(exact - cached) <= 1e-3).all():  # NaN in the cache fails too
            raise StaleCache("an item's vector is not the one cached")
        best = sorted(zip((-exact).tolist(), ids))[:wanted]
        details = {
            id: (content, metadata)
            for id, content, metadata in self._select(
                collection_id, "content, metadata", [id for _, id in best]
            )
        }
        return [
            Entry(
                id=id,
                score=-score,
                content=details[id][0],
                metadata=json.loads(details[id][1]) if details[id][1] else None,
            )
            for score, id in best
        ]

    def _select(self, collection_id: int, columns: str, ids: list[str]) -> list[tuple]:
        """``id, <columns>`` of the given items, a few hundred IDs per query."""
        found: list[tuple] = []
        for start in range(0, len(ids), _MAX_PARAMS):
            chunk = ids[start : start + _MAX_PARAMS]
            sql = (
                f"SELECT id, {columns} FROM embeddings "
                "WHERE collection_id = ? AND id IN (" + ", ".join("?" * len(chunk)) + ")"
            )
            found.extend(self.conn.execute(sql, [collection_id, *chunk]).fetchall())
        return found

    # -- the approximate index ------------------------------------------------------

    def build_index(self, collection_id: int) -> bool:
        """Build (or bring up to date) the approximate index; needs the ``index`` extra."""
        if not ann.available():
            raise EmbeddingsError(
                "Approximate indexes need the usearch library: "
                "pip install 'llmio-embeddings[index]'"
            )
        return self._update_index(collection_id, force=True)

    def after_writes(self, collection_id: int) -> None:
        """Keep an existing index in step, or build one past the size threshold."""
        if not ann.available():
            return
        cache = MatrixCache.for_connection(self.conn, collection_id)
        header = cache.header() if cache is not None else None
        if header is not None and header.get("index") is not None:
            self._update_index(collection_id, force=False)
        elif self.count(collection_id) >= ann.threshold():
            self._update_index(collection_id, force=True)

    def _update_index(self, collection_id: int, force: bool) -> bool:
        """Under one read transaction: the cache brought to the current version, then
        the index built (``force``) or caught up with the rows changed since."""
        cache = MatrixCache.for_connection(self.conn, collection_id)
        if cache is None:
            return False
        try:
            with _Transaction(self.conn):
                version = collection_version(self.conn, collection_id)
                with cache.locked(exclusive=True):
                    snapshot = cache.open(version)
                    if snapshot is None:
                        cache.rebuild(self.conn, self._name(collection_id), version)
                        snapshot = cache.open(version)
                    if snapshot is None:
                        return False
                    try:
                        return ann.update(cache, snapshot, force=force)
                    finally:
                        snapshot.close()
        except OSError:
            return False


_packers: dict[int, Any] = {}


def _encode(vector: Sequence[float]) -> bytes:
    """``llm.encode`` with the struct format compiled once per vector length."""
    import struct

    size = len(vector)
    packer = _packers.get(size)
    if packer is None:
        packer = _packers[size] = struct.Struct(f"<{size}f")
    return packer.pack(*vector)
