"""A collection's vectors as one memory-mapped float32 matrix beside the database.

Searching reads this file instead of every row in SQLite: one matrix-vector
product over the mapped pages and ``argpartition``. The rows in SQLite stay the
source of truth; the cache only says which few rows to fetch, and deleting it
loses nothing.

Files, in ``<database>.vectors/`` (a folder of mode 0700 beside the database):

- ``c<ID>.f32``: rows x dims float32, each row scaled to unit length (zero rows
  stay zero), so a dot product is the cosine;
- ``c<ID>.idx``: rows + 1 int64 offsets into ``c<ID>.ids``, the UTF-8 item IDs
  one after another, so row ``i``'s ID is found without reading the others;
- ``c<ID>.json``: the header: format, the collection's version counter (see
  ``migrations.py``) the files match, rows, dims, and the approximate index's
  state;
- ``c<ID>.lock``: ``flock``: searches hold it shared, rebuilds and patches
  exclusively.

A cache is used only when its header names the collection's current version
and every file has the size the header implies; anything else (missing, from
another process's change, half-written, truncated, garbage) is rebuilt from
SQLite first. The results are checked once more against the rows fetched from
SQLite: a row whose stored vector disagrees with the cache makes the search
rebuild and run again.

numpy is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DimensionMismatchError, EmbeddingsError

FORMAT = 1
_READ_CHUNK = 4096
# Rows whose float32 score is this close to the N-th best are rescored exactly
# too, so rounding in float32 never changes which rows are returned.
MARGIN = 1e-4
# A row whose exact score differs this much from the cached one means the cache
# does not hold what SQLite holds.
_TOLERANCE = 1e-3

try:  # POSIX; elsewhere the matrix is built in memory for each search
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


class StaleCache(EmbeddingsError):
    """The cache disagreed with the rows it claims to hold."""


@dataclass
class Snapshot:
    """One collection's vectors at one version: unit rows and their IDs."""

    version: int
    matrix: Any  # numpy (rows, dims) float32: np.memmap or in memory
    offsets: Any  # numpy (rows + 1,) int64
    names: Any  # bytes-like: the IDs, UTF-8, back to back
    index: dict[str, Any] | None = None  # header["index"], for ann.py
    stem: Path | None = None

    @property
    def rows(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def dims(self) -> int:
        return int(self.matrix.shape[1])

    def id_at(self, row: int) -> str:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return bytes(self.names[start:end]).decode("utf-8")

    def row_of(self) -> dict[str, int]:
        """ID -> row, for patching (reads every ID: only writers need it)."""
        names = bytes(self.names[: int(self.offsets[-1])])
        bounds = self.offsets.tolist()
        return {names[bounds[i] : bounds[i + 1]].decode("utf-8"): i for i in range(self.rows)}

    def close(self) -> None:
        self.matrix = self.offsets = self.names = None


def unit_rows(vectors: Any) -> Any:
    """Rows scaled to unit length, in float32; all-zero rows stay zero."""
    import numpy as np

    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(norms > 0, 1.0 / norms, 0.0).astype(np.float32)
    return vectors * scale[:, None]


def unit_query(vector: Sequence[float], dims: int) -> Any:
    import numpy as np

    query = np.asarray(vector, dtype=np.float64).reshape(-1)
    if query.shape[0] != dims:
        raise DimensionMismatchError(
            f"Query vector has {query.shape[0]} dimensions but the collection's vectors have {dims}"
        )
    norm = float(np.linalg.norm(query))
    return (query / norm if norm else query).astype(np.float32)


def top_rows(scores: Any, number: int, dead: Any = None) -> list[int]:
    """Rows of the ``number`` best scores, plus any within ``MARGIN`` of the last of them."""
    import numpy as np

    total = int(scores.shape[0])
    number = min(number, total)
    if number <= 0:
        return []
    if np.isnan(scores).any():  # a damaged cache: put those rows first, the fetch rejects them
        scores = np.where(np.isnan(scores), np.float32(np.inf), scores)
    if number < total:
        best = np.argpartition(scores, total - number)[total - number :]
    else:
        best = np.arange(total)
    floor = float(scores[best].min())
    close = np.flatnonzero(scores >= floor - MARGIN)
    # Ties beyond a few hundred (many identical vectors) are not worth fetching.
    chosen = np.union1d(best, close) if close.shape[0] <= number + 256 else best
    return [int(row) for row in chosen]


def exact_candidates(snapshot: Snapshot, query: Any, number: int) -> list[tuple[int, float]]:
    """(row, float32 score) of the best rows: one product over the whole matrix."""
    if snapshot.rows == 0:
        return []
    scores = snapshot.matrix @ query
    return [(row, float(scores[row])) for row in top_rows(scores, number)]


# -- reading rows out of SQLite ---------------------------------------------------------


def _row_cursor(conn: sqlite3.Connection, collection_id: int) -> sqlite3.Cursor:
    total = conn.execute("SELECT max(rowid) FROM embeddings").fetchone()[0] or 0
    mine = conn.execute(
        "SELECT count(*) FROM embeddings WHERE collection_id = ?", [collection_id]
    ).fetchone()[0]
    # Index order means random page reads; a sequential scan of the table is
    # faster unless this collection is a small part of it.
    where = "+collection_id = ?" if mine * 4 >= total else "collection_id = ?"
    return conn.execute(
        f"SELECT id, embedding FROM embeddings WHERE {where} AND embedding IS NOT NULL",
        [collection_id],
    )


def read_rows(
    conn: sqlite3.Connection, collection_id: int, name: str, allocate: Any
) -> tuple[Any, list[str]]:
    """Every vector of a collection as unit rows in ``allocate(rows, dims)``, with the IDs.

    Blobs are joined a few thousand at a time and decoded by one
    ``np.frombuffer``; vectors of different lengths raise DimensionMismatchError.
    """
    import numpy as np

    count = conn.execute(
        "SELECT count(*) FROM embeddings WHERE collection_id = ? AND embedding IS NOT NULL",
        [collection_id],
    ).fetchone()[0]
    cursor = _row_cursor(conn, collection_id)
    ids: list[str] = []
    matrix = None
    width = 0
    filled = 0
    while True:
        chunk = cursor.fetchmany(_READ_CHUNK)
        if not chunk:
            break
        chunk_ids, blobs = zip(*chunk)
        if not width:
            width = len(blobs[0])
            if width == 0 or width % 4:
                raise EmbeddingsError(
                    f"Collection '{name}' holds embeddings that are not float32 vectors"
                )
            matrix = allocate(count, width // 4)
        data = b"".join(blobs)
        if len(data) != width * len(blobs):
            other = next(len(blob) for blob in blobs if len(blob) != width)
            raise DimensionMismatchError(
                f"Collection '{name}' mixes vectors of {width // 4} and {other // 4} dimensions"
            )
        block = np.frombuffer(data, dtype="<f4").reshape(len(blobs), width // 4)
        matrix[filled : filled + len(blobs)] = unit_rows(block)
        filled += len(blobs)
        ids.extend(str(id) for id in chunk_ids)
    if matrix is None:
        matrix = allocate(0, 0)
    if filled != matrix.shape[0]:  # cannot happen inside one read transaction
        raise StaleCache(f"Collection '{name}' changed while it was read")
    return matrix, ids


def id_offsets(ids: list[str]) -> tuple[Any, bytes]:
    import numpy as np

    encoded = [id.encode("utf-8") for id in ids]
    offsets = np.zeros(len(encoded) + 1, dtype="<i8")
    if encoded:
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return offsets, b"".join(encoded)


def in_memory_snapshot(
    conn: sqlite3.Connection, collection_id: int, name: str, version: int
) -> Snapshot:
    """The collection read straight from SQLite, for databases with nowhere to cache."""
    import numpy as np

    matrix, ids = read_rows(
        conn, collection_id, name, lambda rows, dims: np.zeros((rows, dims), np.float32)
    )
    offsets, names = id_offsets(ids)
    return Snapshot(version, matrix, offsets, names)


# -- the files --------------------------------------------------------------------------


def database_file(conn: sqlite3.Connection) -> Path | None:
    """The file behind the connection's main database (None in memory)."""
    for _, name, path in conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(path) if path else None
    return None


# Cache file stem -> (signature, (matrix, offsets, names)): the last mapping of
# each collection, reused by the next search in this process while unchanged.
_mapped: dict[str, tuple[tuple, tuple[Any, Any, Any]]] = {}


class MatrixCache:
    """The cache files of one collection; see the module docstring."""

    def __init__(self, database: Path, collection_id: int) -> None:
        self.folder = Path(str(database) + ".vectors")
        self.collection_id = collection_id
        self.stem = self.folder / f"c{collection_id}"

    def path(self, suffix: str) -> Path:
        return self.stem.with_name(self.stem.name + suffix)

    @classmethod
    def for_connection(cls, conn: sqlite3.Connection, collection_id: int) -> MatrixCache | None:
        """The cache of a collection, or None where none can be kept (memory, no flock)."""
        database = database_file(conn)
        if database is None or fcntl is None:
            return None
        return cls(database, collection_id)

    @contextlib.contextmanager
    def locked(self, exclusive: bool) -> Iterator[None]:
        """flock on the lock file; OSError when the folder cannot be written."""
        if not self.folder.exists():
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)

    # -- header --------------------------------------------------------------------

    def header(self) -> dict[str, Any] | None:
        try:
            header = json.loads(self.path(".json").read_text("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            return None
        for key in ("version", "rows", "dims", "names"):
            if not isinstance(header.get(key), int) or header[key] < 0 and key != "version":
                return None
        return header

    def write_header(self, header: dict[str, Any]) -> None:
        temporary = self.path(".json.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(header, f)
        os.replace(temporary, self.path(".json"))

    def invalidate(self) -> None:
        """Make the files unusable until rebuilt (a crash mid-change leaves them so)."""
        with contextlib.suppress(FileNotFoundError):
            self.path(".json").unlink()

    def remove(self) -> None:
        """Delete every file of this collection (its rows were deleted)."""
        for suffix in (".json", ".f32", ".idx", ".ids", ".usearch", ".lock"):
            with contextlib.suppress(FileNotFoundError):
                self.path(suffix).unlink()

    # -- reading -------------------------------------------------------------------

    def open(self, version: int) -> Snapshot | None:
        """The files mapped, if they match ``version`` and their sizes are right.

        Call with the lock held (shared or exclusive) for as long as the
        snapshot is used. The mapping is kept for the next search in this
        process while the header and the files stay the same.
        """
        import mmap

        import numpy as np

        header = self.header()
        if header is None or header["version"] != version:
            return None
        rows, dims, names_size = header["rows"], header["dims"], header["names"]
        try:
            stats = [self.path(suffix).stat() for suffix in (".f32", ".idx", ".ids")]
        except OSError:
            return None
        sizes = [stat.st_size for stat in stats]
        if sizes != [rows * dims * 4, (rows + 1) * 8, names_size]:
            return None
        if rows == 0:
            return Snapshot(version, np.zeros((0, dims), np.float32), np.zeros(1, "<i8"), b"")
        signature = (version, rows, dims, *((stat.st_ino, stat.st_mtime_ns) for stat in stats))
        kept = _mapped.get(str(self.stem))
        if kept is not None and kept[0] == signature:
            matrix, offsets, names = kept[1]
        else:
            try:
                matrix = np.memmap(self.path(".f32"), dtype="<f4", mode="r", shape=(rows, dims))
                offsets = np.fromfile(self.path(".idx"), dtype="<i8")
                names = b""
                if names_size:
                    with open(self.path(".ids"), "rb") as f:
                        names = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                return None
            if offsets[0] != 0 or offsets[-1] != names_size or (np.diff(offsets) < 0).any():
                return None
            _mapped[str(self.stem)] = (signature, (matrix, offsets, names))
        return Snapshot(version, matrix, offsets, names, header.get("index"), self.stem)

    # -- writing -------------------------------------------------------------------

    def rebuild(self, conn: sqlite3.Connection, name: str, version: int) -> None:
        """Write the files afresh from SQLite (lock held exclusively, inside a read
        transaction in which the collection is at ``version``)."""
        import numpy as np

        self.invalidate()
        temporary = self.path(".f32.tmp")
        shape: dict[str, Any] = {}

        def allocate(rows: int, dims: int) -> Any:
            shape["dims"] = dims
            fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            os.ftruncate(fd, rows * dims * 4)
            os.close(fd)
            if rows == 0:
                return np.zeros((0, dims), np.float32)
            return np.memmap(temporary, dtype="<f4", mode="r+", shape=(rows, dims))

        try:
            matrix, ids = read_rows(conn, self.collection_id, name, allocate)
            if isinstance(matrix, np.memmap):
                matrix.flush()
            del matrix
            offsets, names = id_offsets(ids)
            self._write_file(".idx", offsets.tobytes())
            self._write_file(".ids", names)
            os.replace(temporary, self.path(".f32"))
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        with contextlib.suppress(FileNotFoundError):
            self.path(".usearch").unlink()  # row numbers changed: the index is void
        self.write_header(
            {
                "format": FORMAT,
                "version": version,
                "rows": len(ids),
                "dims": shape.get("dims", 0),
                "names": len(names),
                "index": None,
            }
        )

    def patch(
        self,
        before: int,
        after: int,
        changes: Sequence[tuple[str, Sequence[float]]],
        existing: set[str] | None = None,
        known: dict[str, int] | None = None,
    ) -> tuple[bool, dict[str, int] | None]:
        """Bring a cache at version ``before`` to ``after`` by writing ``changes``
        (id, vector), the only rows that changed in between. Returns whether it
        did (if not, the files are left to be rebuilt) and the ID -> row map
        after the change, when one was at hand.

        New IDs are appended; known ones are overwritten in place, so a row
        keeps its number (and its place in the approximate index). Finding an
        ID's row means reading every ID, so ``existing`` (the changed IDs that
        were already stored; None if not known) and ``known`` (the map at
        ``before`` from an earlier patch) spare that when they can.
        """
        import numpy as np

        with self.locked(exclusive=True):
            snapshot = self.open(before)
            if snapshot is None:
                return False, None
            try:
                lengths = {len(vector) for _, vector in changes}
                if len(lengths) > 1 or (snapshot.rows and lengths - {snapshot.dims}):
                    self.invalidate()  # vectors of another length: searching will say so
                    return False, None
                if known is None and (existing is None or existing):
                    known = snapshot.row_of() if snapshot.rows else {}
                rows_of = known if known is not None else {}
                rows, dims, names_size = snapshot.rows, snapshot.dims, int(snapshot.offsets[-1])
                index = snapshot.index
            finally:
                snapshot.close()
            if rows == 0:
                dims = len(changes[0][1]) if changes else dims
            self.write_header({**(self.header() or {}), "version": -1})  # a crash: rebuild
            vectors = unit_rows(np.asarray([vector for _, vector in changes], dtype=np.float32))
            appended: list[bytes] = []
            dirty: set[int] = set(index.get("dirty", [])) if index else set()
            with open(self.path(".f32"), "r+b") as matrix:
                for (id, _), vector in zip(changes, vectors):
                    row = rows_of.get(id)
                    if row is None:
                        row = rows_of[id] = rows + len(appended)
                        appended.append(id.encode("utf-8"))
                    elif index is not None and row < index["rows"]:
                        dirty.add(row)
                    matrix.seek(row * dims * 4)
                    matrix.write(vector.astype("<f4").tobytes())
            if appended:
                lengths = np.cumsum([len(name) for name in appended]) + names_size
                with open(self.path(".idx"), "ab") as f:
                    f.write(lengths.astype("<i8").tobytes())
                with open(self.path(".ids"), "ab") as f:
                    f.write(b"".join(appended))
                names_size = int(lengths[-1])
            if index is not None:
                index = {**index, "dirty": sorted(dirty)}
            self.write_header(
                {
                    "format": FORMAT,
                    "version": after,
                    "rows": rows + len(appended),
                    "dims": dims,
                    "names": names_size,
                    "index": index,
                }
            )
            return True, known

    def _write_file(self, suffix: str, data: bytes) -> None:
        temporary = self.path(suffix + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(temporary, self.path(suffix))
