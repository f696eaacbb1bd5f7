"""Nothing lost when logging fails.

If logs.db cannot be written (locked past the timeout, read-only, corrupt,
disk full), the response's operations are appended to ``logs-pending.jsonl``
in the user directory (created 0600: it holds prompts and answers). The next
successful write to that database imports them first, record by record: a
record the database rejects (say a column a newer release added) is moved to
``logs-pending-rejected.jsonl`` beside it, named in a warning, and never
blocks the records after it or the responses logged later.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from ..config import user_dir, write_atomic
from ..errors import ConfigError
from ..files import locked, open_private_append
from .connection import LogsDatabaseError, _describe, open_db
from .write import InvalidOperation, apply_operations, response_operations

PENDING_FILENAME = "logs-pending.jsonl"
REJECTED_FILENAME = "logs-pending-rejected.jsonl"

# SQLite result codes that say the database cannot be written right now (busy,
# locked, read-only, I/O, corrupt, full, cannot open): the record is fine, so it
# stays pending. Any other failure is the record's own.
_DATABASE_UNUSABLE = {5, 6, 7, 8, 10, 11, 13, 14}
_UNUSABLE_WORDS = ("locked", "readonly", "read-only", "disk", "i/o", "unable to open", "malformed",
                   "not a database")


def pending_path() -> Path:
    return user_dir() / PENDING_FILENAME


def rejected_path() -> Path:
    """Where records the database refused are kept, for a human to look at."""
    return user_dir() / REJECTED_FILENAME


def _append(path: Path, line: str) -> None:
    fd = open_private_append(path)
    with os.fdopen(fd, "a", encoding="utf-8") as fp:
        fp.write(line)
        fp.flush()
        os.fsync(fp.fileno())


def _save(db_path: Path, ops: list[dict[str, Any]]) -> Path:
    path = pending_path()
    line = json.dumps({"db": str(db_path.resolve()), "ops": ops}) + "\n"
    with locked(path):
        _append(path, line)
    return path


@dataclass
class ImportResult:
    """What one import of the recovery file did."""

    imported: int = 0
    #: One reason per record moved to :attr:`rejected_file`.
    rejected: list[str] = field(default_factory=list)
    rejected_file: Optional[Path] = None

    def messages(self, db_path: Union[str, Path]) -> list[str]:
        """Lines for the user: what was imported, what was set aside and where."""
        lines = []
        if self.imported:
            s = "s" if self.imported != 1 else ""
            lines.append(f"Imported {self.imported} pending log record{s} into {db_path}")
        if self.rejected:
            count = len(self.rejected)
            s, it = ("s", "they were") if count != 1 else ("", "it was")
            lines.append(f"Warning: {count} pending log record{s} could not be imported into "
                         f"{db_path} ({self.rejected[0]}); {it} moved to {self.rejected_file}")
        return lines


def import_pending(conn: sqlite3.Connection, db_path: Path) -> int:
    """Apply pending records meant for ``db_path``; returns how many were imported."""
    return import_pending_records(conn, db_path).imported


def import_pending_records(conn: sqlite3.Connection, db_path: Path) -> ImportResult:
    """Apply pending records meant for ``db_path``, one transaction each.

    Records the database refuses go to :func:`rejected_path`. If the database
    itself cannot be written, the import stops and raises, leaving the file as
    it was for the next attempt.
    """
    path = pending_path()
    if not path.exists():
        return ImportResult()
    with locked(path):
        return _import_locked(conn, path, db_path)


def _database_unusable(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _DATABASE_UNUSABLE
    text = str(exc).lower()
    return any(word in text for word in _UNUSABLE_WORDS)


def _import_locked(conn: sqlite3.Connection, path: Path, db_path: Path) -> ImportResult:
    result = ImportResult()
    if not path.exists():  # imported by another process while we waited
        return result
    target = str(db_path.resolve())
    keep: list[str] = []
    rejected: list[str] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            keep.append(line)  # not ours to judge: leave it for a human
            continue
        if not isinstance(record, dict) or record.get("db") != target:
            keep.append(line)
            continue
        try:
            apply_operations(conn, record.get("ops"))
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" not in str(exc) and "PRIMARY KEY" not in str(exc):
                rejected.append(_rejected_line(record, exc))
                result.rejected.append(_reason(exc))
                continue
            # already there (imported by another process, or before a crash): done
        except sqlite3.Error as exc:
            if _database_unusable(exc):
                raise
            rejected.append(_rejected_line(record, exc))
            result.rejected.append(_reason(exc))
            continue
        except (InvalidOperation, KeyError, TypeError, ValueError, AttributeError) as exc:
            rejected.append(_rejected_line(record, exc))
            result.rejected.append(_reason(exc))
            continue
        result.imported += 1
    if rejected:
        result.rejected_file = rejected_path()
        with locked(result.rejected_file):
            _append(result.rejected_file, "".join(line + "\n" for line in rejected))
    if result.imported or rejected:
        if keep:
            write_atomic(path, "\n".join(keep) + "\n")
        else:
            path.unlink(missing_ok=True)
    return result


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if isinstance(exc, sqlite3.Error) else f"{type(exc).__name__}: {text}"


def _rejected_line(record: dict[str, Any], exc: BaseException) -> str:
    return json.dumps({"error": _reason(exc), **record})


def keep_response(response: Any, db_path: Union[str, Path], exc: BaseException,
                  ops: Optional[list[dict[str, Any]]] = None) -> str:
    """Keep a response whose logging to ``db_path`` failed with ``exc``.

    Appends it to the recovery file and returns the one-line warning for the
    user; raises :class:`LogsDatabaseError` if even that cannot be written.
    """
    path = Path(db_path)
    if ops is None:
        ops = response_operations(response)
    reason = _describe(exc) if isinstance(exc, sqlite3.Error) else str(exc)
    reason = reason.removeprefix(f"{path}: ")
    try:
        kept = _save(path, ops)
    except (OSError, ConfigError) as save_exc:
        detail = (save_exc.strerror if isinstance(save_exc, OSError) and save_exc.strerror
                  else str(save_exc))
        try:
            where: Any = pending_path()
        except ConfigError:
            where = PENDING_FILENAME
        raise LogsDatabaseError(
            f"could not write to {path}: {reason}; nor keep the response in {where}: {detail}"
        ) from exc
    return (f"Warning: could not write to {path}: {reason}; the response was kept in {kept} "
            "and will be logged next time")


def log_or_keep(response: Any, db_path: Union[str, Path, None] = None) -> Optional[str]:
    """Log a response; on failure keep it in the recovery file.

    Returns None on success, else a one-line warning for the user. Raises only
    when even the recovery file cannot be written.
    """
    from ..config import logs_db_path

    path = Path(db_path) if db_path is not None else logs_db_path()
    ops = response_operations(response)
    try:
        conn = open_db(path)
        try:
            result = import_pending_records(conn, path)
            apply_operations(conn, ops)
        finally:
            conn.close()
    except (sqlite3.Error, LogsDatabaseError, OSError) as exc:
        return keep_response(response, path, exc, ops=ops)
    for line in result.messages(path):
        sys.stderr.write(line + "\n")
    return None
