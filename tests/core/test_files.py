"""``llm.files``: regular files only, private files and directories, cross-process locks."""

from __future__ import annotations

import os
import stat
import threading
import time

import llm
import pytest
from llm.files import (
    NotARegularFile,
    check_regular_file,
    create_private_file,
    locked,
    make_private_dir,
    read_regular_file,
)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_regular_files_and_links_to_them_are_read(tmp_path):
    target = tmp_path / "a.txt"
    target.write_bytes(b"content")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert read_regular_file(link) == b"content"
    assert check_regular_file(str(target)) == str(target)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Attachment path is empty"),
        ("   ", "Attachment path is empty"),
        ("/dev/zero", "Attachment /dev/zero is a device, not a regular file"),
        ("/dev/null", "Attachment /dev/null is a device, not a regular file"),
        ("missing.png", "Attachment missing.png does not exist"),
    ],
)
def test_special_and_missing_paths_are_refused(name, message):
    with pytest.raises(NotARegularFile) as info:
        read_regular_file(name, "Attachment")
    assert str(info.value) == message


def test_fifo_and_directory_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(NotARegularFile) as info:
        read_regular_file(fifo, "File")
    assert str(info.value) == f"File {fifo} is a named pipe, not a regular file"
    assert time.monotonic() - start < 1
    with pytest.raises(NotARegularFile, match="is a directory, not a regular file"):
        read_regular_file(tmp_path, "Fragment")


def test_private_file_and_directory_under_umask_022(tmp_path, umask_022):
    path = tmp_path / "db"
    assert create_private_file(path) is True
    assert _mode(path) == 0o600
    assert create_private_file(path) is False
    directory = make_private_dir(tmp_path / "a" / "user")
    assert _mode(directory) == 0o700
    assert _mode(tmp_path / "a") == 0o755  # parents are not ours to lock down


def test_existing_modes_are_left_alone(tmp_path, umask_022):
    path = tmp_path / "db"
    path.write_text("")
    path.chmod(0o640)
    assert create_private_file(path) is False
    assert _mode(path) == 0o640
    directory = tmp_path / "shared"
    directory.mkdir(mode=0o750)
    make_private_dir(directory)
    assert _mode(directory) == 0o750


def test_user_dir_is_created_private(tmp_path, monkeypatch, umask_022):
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "new" / "llm"))
    path = llm.user_dir()
    assert _mode(path) == 0o700


def test_locked_serialises_across_threads(tmp_path):
    path = tmp_path / "keys.json"
    order: list[str] = []

    def worker(name: str) -> None:
        with locked(path):
            order.append(f"{name} in")
            time.sleep(0.1)
            order.append(f"{name} out")

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # flock locks belong to open file descriptions: each `with` opens its own.
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
    assert _mode(str(path) + ".lock") == 0o600


def test_locking_a_directory_adds_no_file_to_it(tmp_path):
    import fcntl

    directory = tmp_path / "dir"
    directory.mkdir()
    with locked(directory):
        # Another open file description cannot take the lock meanwhile.
        fd = os.open(directory, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    assert list(directory.iterdir()) == []
