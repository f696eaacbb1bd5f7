"""The test key, and finding where it ended up.

Tests that need an API key use :data:`TEST_KEY`. At the end of the run a
session fixture (tests/conftest.py) searches every file the run left in its
temporary directories, as ``grep -r`` would: the key may only be in files
named ``keys.json``. Outputs of the ``llm`` processes tests start are written
there too (``llm-outputs.txt``), so a key printed in an error also counts.
"""

from __future__ import annotations

from pathlib import Path

#: A key that must never show up anywhere but keys.json.
TEST_KEY = "sk-reliability-TEST-KEY-7f3a9c2e51"

#: Where LLMRunner appends what each ``llm`` process printed.
OUTPUTS_FILENAME = "llm-outputs.txt"


def files_containing(root: Path, needle: str) -> list[Path]:
    """Every regular file below ``root`` whose bytes contain ``needle`` (like ``grep -rl``)."""
    wanted = needle.encode("utf-8")
    found = []
    for path in sorted(root.rglob("*")):
        try:
            if path.is_symlink() or not path.is_file():
                continue
            if wanted in path.read_bytes():
                found.append(path)
        except OSError:
            continue
    return found


def leaked(root: Path, needle: str = TEST_KEY) -> list[Path]:
    """Files below ``root`` holding ``needle`` that are not a ``keys.json``."""
    return [path for path in files_containing(root, needle) if path.name != "keys.json"]
