"""Local files the tool reads and writes, handled safely.

- Paths the user names for content (attachments, fragments) must be regular
  files: a FIFO would hang, ``/dev/zero`` would fill memory, a directory or an
  empty path is a mistake. :func:`check_regular_file` says so in one line.
- Files that hold prompts, answers or keys are created private (0600, the user
  directory 0700) whatever the umask; a file that already exists keeps the mode
  its owner gave it.
- :func:`locked` serialises read-modify-write cycles across processes.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Union

try:  # POSIX; elsewhere the lock is a no-op
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "NotARegularFile",
    "check_regular_file",
    "create_private_file",
    "locked",
    "make_private_dir",
    "open_private_append",
    "read_regular_file",
]

PathLike = Union[str, "os.PathLike[str]"]


class NotARegularFile(ValueError):
    """A path named for its content is missing, empty, a directory or a special file."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular_file(path: PathLike, what: str = "File") -> str:
    """Return ``path`` (``~`` expanded, made absolute) if it names a readable regular file.

    Raises :class:`NotARegularFile` with a one-line message starting with ``what``
    otherwise. Symlinks are followed: a link to a regular file is fine.
    """
    shown = os.fspath(path)
    if not shown.strip():
        raise NotARegularFile(f"{what} path is empty")
    full = os.path.abspath(os.path.expanduser(shown))
    try:
        mode = os.stat(full).st_mode
    except FileNotFoundError:
        raise NotARegularFile(f"{what} {shown} does not exist") from None
    except OSError as exc:
        raise NotARegularFile(f"{what} {shown} cannot be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise NotARegularFile(f"{what} {shown} is {_kind(mode)}, not a regular file")
    if not os.access(full, os.R_OK):
        raise NotARegularFile(f"{what} {shown} is not readable")
    return full


def read_regular_file(path: PathLike, what: str = "File") -> bytes:
    """The bytes of a regular file, refusing anything else (see :func:`check_regular_file`).

    The file is opened without blocking and checked again once open, so a path
    swapped for a FIFO between the check and the read cannot hang the process.
    """
    full = check_regular_file(path, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(full, flags)
    except OSError as exc:
        raise NotARegularFile(f"{what} {os.fspath(path)} cannot be read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fp:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(f"{what} {os.fspath(path)} is {_kind(mode)}, not a regular file")
        return fp.read()


def make_private_dir(path: PathLike) -> Path:
    """Create ``path`` (and missing parents) with the final directory 0700; an
    existing directory keeps its mode."""
    path = Path(path)
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:  # made by another process meanwhile
            pass
    return path


def create_private_file(path: PathLike) -> bool:
    """Create ``path`` empty with mode 0600 if it does not exist; True if it was created.

    SQLite gives a database's ``-wal`` and ``-shm`` files the mode of the
    database file, so creating the database this way keeps all three private.
    """
    try:
        fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def open_private_append(path: PathLike) -> int:
    """A file descriptor appending to ``path``, created 0600 if missing."""
    return os.open(os.fspath(path), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)


@contextmanager
def locked(path: PathLike) -> Iterator[None]:
    """Hold an exclusive lock for ``path`` across processes.

    A directory is locked itself (no file is added to it). For a file the lock
    is taken on a companion ``<path>.lock`` file (created 0600): the file itself
    is replaced atomically by writers, and a lock on a replaced inode protects
    nothing.
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    if os.path.isdir(path):
        fd = os.open(os.fspath(path), os.O_RDONLY)
    else:
        fd = os.open(os.fspath(path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
