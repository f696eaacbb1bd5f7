"""Nothing lost when logging fails.

If logs.db cannot be written (locked past the timeout, read-only, corrupt,
disk full), the response's operations are appended to ``logs-pending.jsonl``
in the user directory. The next successful write to that database imports
them first.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from ..config import user_dir, write_atomic
from ..errors import ConfigError
from .connection import LogsDatabaseError, _describe, open_db
from .write import apply_operations, response_operations

try:  # POSIX; elsewhere records are appended without a cross-process lock
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

PENDING_FILENAME = "logs-pending.jsonl"


def pending_path() -> Path:
    return user_dir() / PENDING_FILENAME


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise appends and imports of the recovery file across processes.

    The lock is taken on a companion ``.lock`` file: the recovery file itself is
    replaced atomically by imports, and a lock on a replaced inode protects nothing.
    """
    if fcntl is None:
        yield
        return
    fd = os.open(str(path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _save(db_path: Path, ops: list[dict[str, Any]]) -> Path:
    path = pending_path()
    line = json.dumps({"db": str(db_path.resolve()), "ops": ops}) + "\n"
    with _locked(path):
        with open(path, "a", encoding="utf-8") as fp:
            fp.write(line)
            fp.flush()
            os.fsync(fp.fileno())
    return path


def import_pending(conn: sqlite3.Connection, db_path: Path) -> int:
    """Apply pending records meant for ``db_path``; returns how many were imported."""
    path = pending_path()
    if not path.exists():
        return 0
    with _locked(path):
        return _import_locked(conn, path, db_path)


def _import_locked(conn: sqlite3.Connection, path: Path, db_path: Path) -> int:
    if not path.exists():  # imported by another process while we waited
        return 0
    target = str(db_path.resolve())
    keep: list[str] = []
    imported = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            keep.append(line)
            continue
        if not isinstance(record, dict) or record.get("db") != target:
            keep.append(line)
            continue
        try:
            apply_operations(conn, record["ops"])
        except sqlite3.IntegrityError:
            pass  # already there (imported by another process): nothing to do
        except (KeyError, TypeError, ValueError, AttributeError):
            keep.append(line)  # not a record we can apply: leave it for a human
            continue
        imported += 1
    if imported:
        if keep:
            write_atomic(path, "\n".join(keep) + "\n")
        else:
            path.unlink(missing_ok=True)
    return imported


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
            imported = import_pending(conn, path)
            apply_operations(conn, ops)
        finally:
            conn.close()
    except (sqlite3.Error, LogsDatabaseError, OSError) as exc:
        return keep_response(response, path, exc, ops=ops)
    if imported:
        sys.stderr.write(f"Imported {imported} pending log record{'s' if imported != 1 else ''} into {path}\n")
    return None
