"""Special files are refused; private files stay private (issue 16)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading

import pytest
from reliability.helpers import TEST_KEY, assert_clean_error


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)  # inherited by the llm processes the test starts
    try:
        yield
    finally:
        os.umask(old)


# -- special files ---------------------------------------------------------------------------


def test_dev_zero_as_an_attachment_is_refused(llm):
    result = llm.run("-m", "srv", "describe", "--at", "/dev/zero", "image/png", timeout=20)
    assert_clean_error(result, "Error: File /dev/zero is a device, not a regular file")
    assert llm.server.requests == []


def test_a_fifo_is_refused_without_hanging(llm, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for args in (["-a", str(fifo)], ["-f", str(fifo)], ["--at", str(fifo), "image/png"]):
        result = llm.run("-m", "srv", "x", *args, timeout=20)
        assert_clean_error(result, f"{fifo} is a named pipe, not a regular file")
        assert result.seconds < 15
    assert llm.server.requests == []


def test_an_empty_attachment_path_is_refused(llm):
    assert_clean_error(llm.run("-m", "srv", "x", "-a", ""), "Error: File path is empty")
    assert_clean_error(llm.run("-m", "srv", "x", "--at", "", "image/png"),
                       "Error: File path is empty")


def test_a_directory_is_refused(llm, tmp_path):
    assert_clean_error(llm.run("-m", "srv", "x", "-a", str(tmp_path)),
                       f"Error: File {tmp_path} is a directory, not a regular file")
    assert_clean_error(llm.run("-m", "srv", "x", "-f", str(tmp_path)),
                       f"Error: Fragment {tmp_path} is a directory, not a regular file")


def test_stdin_is_still_dash(llm):
    models = llm.user_dir / "extra-openai-models.yaml"
    models.write_text(models.read_text() + "  vision: true\n")
    llm.server.reply("a png")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    result = llm.run("-m", "srv", "describe", "--at", "-", "image/png", input=png)
    assert result.returncode == 0, result
    content = llm.server.requests[0].body["messages"][0]["content"]
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")


# -- file modes --------------------------------------------------------------------------------


def test_new_user_directory_and_databases_are_private(llm, tmp_path, umask_022):
    fresh = tmp_path / "fresh-user"
    env = {"LLM_USER_PATH": str(fresh), "OPENAI_BASE_URL": llm.server.url,
           "OPENAI_API_KEY": TEST_KEY}
    llm.server.reply("hello")
    assert llm.run("-m", "gpt-4o-mini", "hi", env=env).returncode == 0
    result = llm.run("embed", "-m", "3-small", "-c", "some text", "notes", "one", env=env)
    assert result.returncode == 0, result
    assert _mode(fresh) == 0o700
    assert _mode(fresh / "logs.db") == 0o600
    assert _mode(fresh / "embeddings.db") == 0o600
    result = llm.run("keys", "set", "other", "--value", "sk-other-0000", env=env)
    assert result.returncode == 0, result
    assert _mode(fresh / "keys.json") == 0o600
    for path in fresh.iterdir():  # whatever else was made (templates/, -wal files, ...)
        assert _mode(path) & 0o077 == 0, path


def test_the_recovery_file_is_private(llm, umask_022):
    llm.run("-m", "srv", "first")
    llm.logs_db.unlink()
    llm.logs_db.mkdir()  # logs.db cannot be opened: the response is kept aside
    llm.server.reply("kept")
    result = llm.run("-m", "srv", "second")
    assert result.returncode == 0, result
    assert "was kept in" in result.stderr
    assert _mode(llm.user_dir / "logs-pending.jsonl") == 0o600


def test_existing_modes_are_left_alone(llm, umask_022):
    llm.run("-m", "srv", "first")
    llm.logs_db.chmod(0o640)
    llm.user_dir.chmod(0o750)
    aliases = llm.user_dir / "aliases.json"
    aliases.write_text("{}")
    aliases.chmod(0o644)
    llm.server.reply("ok")
    assert llm.run("-m", "srv", "second").returncode == 0
    assert llm.run("aliases", "set", "s", "srv").returncode == 0
    assert (_mode(llm.logs_db), _mode(llm.user_dir), _mode(aliases)) == (0o640, 0o750, 0o644)


# -- keys.json ---------------------------------------------------------------------------------


def test_a_symlinked_keys_json_stays_a_link(llm, tmp_path):
    vault = tmp_path / "vault"
    vault.mkdir()
    target = vault / "keys.json"
    keys = llm.user_dir / "keys.json"
    target.write_text(keys.read_text())
    target.chmod(0o600)
    keys.unlink()
    keys.symlink_to(target)
    result = llm.run("keys", "set", "added", "--value", "sk-added-000000000")
    assert result.returncode == 0, result
    assert keys.is_symlink() and os.readlink(keys) == str(target)
    stored = json.loads(target.read_text())
    assert (stored["srv"], stored["added"]) == (TEST_KEY, "sk-added-000000000")
    assert _mode(target) == 0o600
    assert sorted(p.name for p in vault.iterdir()) == ["keys.json"]


def test_concurrent_keys_set_loses_no_update(llm):
    count = 8
    processes = []
    start = threading.Barrier(count)

    def set_key(index: int) -> None:
        start.wait()
        processes.append(subprocess.run(
            llm.command(["keys", "set", f"key{index}", "--value", f"sk-value-{index:04d}"]),
            capture_output=True, env=llm.environ(), timeout=60, check=False))

    threads = [threading.Thread(target=set_key, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [p.returncode for p in processes] == [0] * count, [p.stderr for p in processes]
    stored = json.loads((llm.user_dir / "keys.json").read_text())
    assert {name: stored[name] for name in stored if name.startswith("key")} == {
        f"key{i}": f"sk-value-{i:04d}" for i in range(count)}
    assert stored["srv"] == TEST_KEY


def test_a_key_that_is_not_a_string_is_reported_not_returned(llm):
    keys = llm.user_dir / "keys.json"
    keys.write_text(json.dumps({"srv": TEST_KEY, "plain": "sk-plain-000",
                                "odd": {"nested": "sk-nested-secret-0"}}))
    result = llm.run("keys", "get", "odd")
    assert_clean_error(result, f"Error: {keys}: the value of 'odd' is not a string")
    assert "sk-nested" not in result.stdout + result.stderr
    assert llm.run("keys", "get", "plain").stdout == "sk-plain-000\n"
