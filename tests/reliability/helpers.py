"""Helpers for the reliability tests: real ``llm`` processes, the scripted server.

Every test gets a fresh user directory (``LLM_USER_PATH``), a running
:class:`support.openai_server.OpenAIServer` and an ``extra-openai-models.yaml``
that points the model ``srv`` at it, with its key stored in ``keys.json``
under the name ``srv``. Helpers run the installed console script
(``.venv/bin/llm``) and read ``logs.db`` back with plain ``sqlite3``.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.leaks import OUTPUTS_FILENAME, TEST_KEY  # noqa: F401 - tests import it from here
from support.openai_server import OpenAIServer

LLM = Path(sys.executable).parent / "llm"

#: Seconds the fault tests give the client before a read times out.
READ_TIMEOUT = 2.0


@dataclass
class Result:
    args: tuple
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()

    def __repr__(self) -> str:  # readable assertion failures
        return (f"Result(args={self.args!r}, rc={self.returncode}, {self.seconds:.1f}s,\n"
                f"  stdout={self.stdout[-500:]!r},\n  stderr={self.stderr[-2000:]!r})")


def extra_models_yaml(server_url: str, model_id: str = "srv", key_name: str | None = "srv") -> str:
    lines = [f"- model_id: {model_id}", "  model_name: gpt-4o-mini", f"  api_base: {server_url}"]
    if key_name:
        lines.append(f"  api_key_name: {key_name}")
    return "\n".join(lines) + "\n"


class LLMRunner:
    """Runs the ``llm`` script with one user directory and one server."""

    def __init__(self, user_dir: Path, server: OpenAIServer, tmp_path: Path) -> None:
        self.user_dir = user_dir
        self.server = server
        self.tmp_path = tmp_path
        self.env = {
            key: value for key, value in os.environ.items()
            if not key.startswith(("LLM_", "OPENAI_", "PYTEST_"))
        }
        self.env.update(
            LLM_USER_PATH=str(user_dir),
            LLM_LOAD_PLUGINS="",
            LLM_OPENAI_TIMEOUT=str(READ_TIMEOUT),
            LLM_OPENAI_MAX_RETRIES="0",
            PYTHONUNBUFFERED="1",
        )

    # -- set-up ----------------------------------------------------------------

    def configure(self) -> None:
        self.user_dir.mkdir(parents=True, exist_ok=True)
        (self.user_dir / "extra-openai-models.yaml").write_text(extra_models_yaml(self.server.url))
        keys = self.user_dir / "keys.json"
        keys.write_text(f'{{\n  "srv": "{TEST_KEY}"\n}}\n')
        keys.chmod(0o600)

    # -- running ---------------------------------------------------------------

    def command(self, args: Sequence[str]) -> list[str]:
        return [str(LLM), *args]

    def environ(self, env: dict | None = None) -> dict:
        merged = dict(self.env)
        for key, value in (env or {}).items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged

    def run(self, *args: str, input: str | bytes | None = None, env: dict | None = None,
            timeout: float = 60) -> Result:
        start = time.monotonic()
        if isinstance(input, str):
            input = input.encode("utf-8")
        completed = subprocess.run(  # noqa: PLW1510 - the exit code is asserted
            self.command(args), input=input if input is not None else b"",
            capture_output=True, env=self.environ(env), timeout=timeout,
        )
        result = Result(args, completed.returncode,
                        completed.stdout.decode("utf-8", "replace"),
                        completed.stderr.decode("utf-8", "replace"),
                        time.monotonic() - start)
        self.record(result.stdout + result.stderr)
        return result

    def record(self, output: str) -> None:
        """Keep what a process printed beside the test's files, for the key-leak check."""
        with open(self.tmp_path / OUTPUTS_FILENAME, "a", encoding="utf-8") as fp:
            fp.write(output)

    def popen(self, *args: str, env: dict | None = None,
              stdin: bytes | None = None) -> subprocess.Popen:
        """Start ``llm``; ``stdin`` bytes are written (and the pipe left open)."""
        process = subprocess.Popen(
            self.command(args), stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.environ(env),
        )
        if stdin is not None:
            process.stdin.write(stdin)
            process.stdin.flush()
        return process

    # -- reading back ----------------------------------------------------------

    @property
    def logs_db(self) -> Path:
        return self.user_dir / "logs.db"

    def rows(self, db: Path | None = None) -> list[dict]:
        path = db or self.logs_db
        if not path.exists():
            return []
        conn = sqlite3.connect(path, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(
                "select r.*, c.id as c_id from responses r "
                "left join conversations c on c.id = r.conversation_id order by r.rowid")]
        finally:
            conn.close()

    def integrity(self, db: Path | None = None) -> str:
        conn = sqlite3.connect(db or self.logs_db, timeout=30)
        try:
            return conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()


# -- assertion helpers ---------------------------------------------------------


def assert_clean_error(result: Result, *needles: str) -> str:
    """Exit 1, no traceback, and exactly one ``Error:`` line (the last) containing ``needles``."""
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr, result
    errors = [line for line in result.stderr_lines if line.startswith("Error:")]
    assert len(errors) == 1, result
    assert result.stderr_lines[-1] == errors[0], result
    for needle in needles:
        assert needle in errors[0], result
    assert TEST_KEY not in result.stderr + result.stdout
    return errors[0]


def assert_no_complete_row(rows: list[dict], text: str | None = None) -> None:
    """No logged row is a complete response (a fault may only be stored as incomplete)."""
    for row in rows:
        assert row["incomplete"], row
        if text is not None:
            assert row["response"] == text, row


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file below ``directory`` with its bytes, to prove nothing changed."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def assert_unchanged(before: dict[str, bytes], directory: Path) -> None:
    """Every file that existed is still there, byte for byte (new files are allowed)."""
    after = snapshot(directory)
    for name, data in before.items():
        assert name in after, f"{name} was removed"
        assert after[name] == data, f"{name} was changed"


def read_until(process: subprocess.Popen, expected: bytes, timeout: float = 20) -> bytes:
    """Read stdout until ``expected`` has arrived (the stream is flushed chunk by chunk)."""
    import select

    data = b""
    deadline = time.monotonic() + timeout
    fd = process.stdout.fileno()
    while expected not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"did not see {expected!r} on stdout; got {data!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                _, stderr = process.communicate(timeout=10)
                raise AssertionError(f"stdout closed before {expected!r}; got {data!r}; "
                                     f"stderr={stderr!r}")
            data += chunk
    return data


def finish(process: subprocess.Popen, timeout: float = 20) -> tuple[bytes, bytes]:
    try:
        return process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()


class Immutable:
    """Make a file or directory unwritable, even for root (``chattr +i``)."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def __call__(self, path: Path) -> None:
        if os.geteuid() != 0:
            path.chmod(0o555 if path.is_dir() else 0o444)
            self.paths.append(path)
            return
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"running as root and chattr +i is unavailable: {done.stderr!r}")
        self.paths.append(path)

    def undo(self) -> None:
        for path in reversed(self.paths):
            if os.geteuid() == 0:
                subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)
            else:
                path.chmod(0o755 if path.is_dir() else 0o644)
