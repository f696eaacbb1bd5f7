"""Keys never leave keys.json: not in logs.db, --json, errors or debug output."""

from __future__ import annotations

import json
import stat

from reliability.helpers import TEST_KEY, assert_clean_error


def _files_containing(directory, needle: bytes) -> list[str]:
    found = []
    for path in sorted(directory.rglob("*")):
        if path.is_file() and needle in path.read_bytes():
            found.append(path.name)
    return found


def test_the_key_is_only_ever_in_keys_json(llm):
    outputs = []

    def run(*args, **kwargs):
        result = llm.run(*args, **kwargs)
        outputs.append(result.stdout + result.stderr)
        return result

    llm.server.reply(["fine"])
    assert run("-m", "srv", "hi", "-u").returncode == 0
    # A literal key on the command line is used, and not logged either.
    literal = "sk-literal-COMMAND-LINE-KEY-0042"
    assert run("-m", "srv", "again", "--key", literal).returncode == 0
    assert llm.server.requests[-1].header("Authorization") == f"Bearer {literal}"
    # A server that echoes the key in its error message.
    llm.server.reply_error(401, f"Incorrect API key provided: {TEST_KEY}")
    assert_clean_error(run("-m", "srv", "oops"))
    # A stream cut short, logged as incomplete.
    llm.server.reply(["part", "ial", "answer", "here"], fault="cut")
    assert run("-m", "srv", "cut").returncode == 1
    # LLM_OPENAI_SHOW_RESPONSES prints the request and response, without the key.
    result = run("-m", "srv", "debug", env={"LLM_OPENAI_SHOW_RESPONSES": "1"})
    assert result.returncode == 0, result
    assert "/chat/completions" in result.stderr
    # Everything the user can look at.
    result = run("logs", "--json", "-n", "0")
    entries = json.loads(result.stdout)
    assert {e["prompt"] for e in entries} >= {"hi", "again"}
    run("logs", "-n", "0")
    run("logs", "-n", "0", "--usage")
    run("keys", "list")

    for text in outputs:
        assert TEST_KEY not in text
        assert literal not in text
    assert _files_containing(llm.user_dir, TEST_KEY.encode()) == ["keys.json"]
    assert _files_containing(llm.user_dir, literal.encode()) == []


def test_keys_json_mode_600_and_replaced_atomically(llm):
    path = llm.user_dir / "keys.json"
    path.unlink()
    result = llm.run("keys", "set", "first", "--value", "sk-first-0000000000000")
    assert result.returncode == 0, result
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    inode = path.stat().st_ino
    result = llm.run("keys", "set", "second", "--value", "sk-second-000000000000")
    assert result.returncode == 0, result
    # A new file renamed into place (never truncated and rewritten in place).
    assert path.stat().st_ino != inode
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keys = json.loads(path.read_text())
    assert (keys["first"], keys["second"]) == ("sk-first-0000000000000", "sk-second-000000000000")
    assert [p.name for p in llm.user_dir.iterdir() if p.name.startswith(".keys")] == []
    assert "sk-" not in result.stdout + result.stderr


def test_the_end_of_run_leak_check_would_catch_a_leak(tmp_path):
    """The session fixture in tests/conftest.py runs ``leaked()`` over the run's
    temporary directories. Shown here on a scratch directory outside them (so
    this deliberate leak does not fail the run): a key in logs.db, in a
    recovery file or in recorded output is found; one in keys.json is not."""
    import sqlite3
    import tempfile
    from pathlib import Path

    from support.leaks import OUTPUTS_FILENAME, leaked

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        user = root / "llm-user"
        user.mkdir()
        (user / "keys.json").write_text(json.dumps({"srv": TEST_KEY}))
        assert leaked(root) == []
        conn = sqlite3.connect(user / "logs.db")
        conn.execute("create table responses (prompt text)")
        conn.execute("insert into responses values (?)", [f"my key is {TEST_KEY}"])
        conn.commit()
        conn.close()
        (user / "logs-pending.jsonl").write_text(json.dumps({"ops": [TEST_KEY]}) + "\n")
        (root / OUTPUTS_FILENAME).write_text(f"Error: 401 bad key {TEST_KEY}\n")
        nested = root / "other" / "keys.json.bak"
        nested.parent.mkdir()
        nested.write_text(TEST_KEY)
        assert sorted(p.relative_to(root).as_posix() for p in leaked(root)) == [
            OUTPUTS_FILENAME, "llm-user/logs-pending.jsonl", "llm-user/logs.db",
            "other/keys.json.bak"]
