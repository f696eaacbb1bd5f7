"""Bad input, one class at a time: a clean one-line error naming the file, only the
commands that need that file fail, and the user's files stay byte-for-byte as they were."""

from __future__ import annotations

import sqlite3

import pytest
from reliability.helpers import (
    TEST_KEY,
    assert_clean_error,
    assert_unchanged,
    extra_models_yaml,
    snapshot,
)

# -- config files ----------------------------------------------------------------

BAD_KEYS = {
    "invalid JSON": b'{"srv": "sk-reliability-TEST-KEY-7f3a9c2e51",\n',
    "not an object": b'["sk-reliability-TEST-KEY-7f3a9c2e51"]\n',
    "value not a string": b'{"srv": {"key": "sk-reliability-TEST-KEY-7f3a9c2e51"}}\n',
    "not UTF-8": b'{"srv": "\xff\xfe"}\n',
}


@pytest.mark.parametrize("content", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_malformed_keys_json(llm, content):
    path = llm.user_dir / "keys.json"
    path.write_bytes(content)
    before = snapshot(llm.user_dir)
    # `keys set` never rewrites a file it cannot parse: the keys in it would be lost.
    assert_clean_error(llm.run("keys", "set", "other", "--value", "v"), str(path))
    # A prompt that needs a stored key fails cleanly, before any request.
    assert_clean_error(llm.run("-m", "srv", "hi"), str(path))
    assert llm.server.requests == []
    assert_unchanged(before, llm.user_dir)


def test_malformed_keys_json_fails_only_commands_that_need_it(llm):
    path = llm.user_dir / "keys.json"
    path.write_bytes(BAD_KEYS["invalid JSON"])
    before = snapshot(llm.user_dir)
    assert_clean_error(llm.run("keys", "list"), str(path))
    assert_clean_error(llm.run("keys", "get", "srv"), str(path))
    for args in (("templates", "list"), ("logs", "-n", "1"), ("aliases", "list")):
        result = llm.run(*args)
        assert (result.returncode, result.stderr) == (0, ""), result
    # A model that needs no key does not need keys.json either.
    (llm.user_dir / "extra-openai-models.yaml").write_text(
        extra_models_yaml(llm.server.url, model_id="local", key_name=None))
    result = llm.run("-m", "local", "hi")
    assert (result.returncode, result.stdout) == (0, "ok\n"), result
    assert llm.server.requests[-1].header("Authorization") is None
    assert (llm.user_dir / "keys.json").read_bytes() == before["keys.json"]


BAD_ALIASES = {
    "invalid JSON": b'{"fast": "srv",,}\n',
    "not an object": b'["fast", "srv"]\n',
    "value not a string": b'{"fast": 5}\n',
}


@pytest.mark.parametrize("content", BAD_ALIASES.values(), ids=BAD_ALIASES.keys())
def test_malformed_aliases_json(llm, content):
    path = llm.user_dir / "aliases.json"
    path.write_bytes(content)
    before = snapshot(llm.user_dir)
    # `aliases set` refuses rather than overwrite the user's aliases.
    assert_clean_error(llm.run("aliases", "set", "quick", "srv"), str(path))
    result = llm.run("aliases", "list")
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr
    assert llm.run("keys", "list").stdout == "srv\n"
    assert_unchanged(before, llm.user_dir)


def test_malformed_aliases_json_does_not_stop_prompts_by_model_id(llm):
    (llm.user_dir / "aliases.json").write_bytes(BAD_ALIASES["invalid JSON"])
    result = llm.run("-m", "srv", "hi")
    assert (result.returncode, result.stdout) == (0, "ok\n"), result
    assert "Traceback" not in result.stderr


BAD_EXTRA_MODELS = {
    "invalid YAML": b"- model_id: srv\n  model_name: [gpt-4o-mini\n",
    "a mapping, not a list": b"model_id: srv\nmodel_name: gpt-4o-mini\n",
    "entry without model_id": b"- model_name: gpt-4o-mini\n",
    "not UTF-8": b"- model_id: \xff\xfe\n",
}


@pytest.mark.parametrize("content", BAD_EXTRA_MODELS.values(), ids=BAD_EXTRA_MODELS.keys())
def test_malformed_extra_openai_models_yaml(llm, content):
    path = llm.user_dir / "extra-openai-models.yaml"
    path.write_bytes(content)
    before = snapshot(llm.user_dir)
    assert_clean_error(llm.run("models"), str(path))
    assert_clean_error(llm.run("-m", "srv", "hi"), str(path))
    assert_unchanged(before, llm.user_dir)


def test_malformed_extra_openai_models_yaml_fails_only_commands_that_need_it(llm):
    path = llm.user_dir / "extra-openai-models.yaml"
    path.write_bytes(BAD_EXTRA_MODELS["invalid YAML"])
    for args in (("keys", "list"), ("logs", "-n", "1"), ("templates", "list")):
        result = llm.run(*args)
        assert (result.returncode, result.stderr) == (0, ""), result


def test_default_model_txt_not_utf8(llm):
    path = llm.user_dir / "default_model.txt"
    path.write_bytes(b"\xff\xfe\x00gpt")
    before = snapshot(llm.user_dir)
    assert_clean_error(llm.run("hi"), str(path))
    assert_clean_error(llm.run("models", "default"), str(path))
    result = llm.run("-m", "srv", "hi")
    assert (result.returncode, result.stdout) == (0, "ok\n"), result
    assert_unchanged(before, llm.user_dir)


def test_default_model_txt_naming_an_unknown_model(llm):
    path = llm.user_dir / "default_model.txt"
    path.write_text("no-such-model\n")
    assert_clean_error(llm.run("hi"), str(path), "no-such-model")
    assert llm.server.requests == []


BAD_TEMPLATES = {
    "invalid YAML": b"prompt: 'unclosed\nsystem: [\n",
    "a list": b"- one\n- two\n",
    "prompt is a mapping": b"prompt:\n  nested: true\n",
    "not UTF-8": b"prompt: \xff\xfe\n",
}


@pytest.mark.parametrize("content", BAD_TEMPLATES.values(), ids=BAD_TEMPLATES.keys())
def test_malformed_template_yaml(llm, content):
    templates = llm.user_dir / "templates"
    templates.mkdir()
    (templates / "broken.yaml").write_bytes(content)
    before = snapshot(llm.user_dir)
    assert_clean_error(llm.run("-m", "srv", "-t", "broken", "input"), "broken")
    result = llm.run("templates", "list")
    assert "Traceback" not in result.stderr
    assert llm.server.requests == []
    assert_unchanged(before, llm.user_dir)


def test_malformed_template_does_not_stop_other_prompts(llm):
    templates = llm.user_dir / "templates"
    templates.mkdir()
    (templates / "broken.yaml").write_bytes(BAD_TEMPLATES["invalid YAML"])
    (templates / "fine.yaml").write_text("prompt: 'Summarize: $input'\n")
    result = llm.run("-m", "srv", "-t", "fine", "this")
    assert (result.returncode, result.stdout) == (0, "ok\n"), result
    assert llm.server.requests[-1].body["messages"][-1]["content"] == "Summarize: this"


# -- databases -------------------------------------------------------------------


def _truncated_db(llm) -> bytes:
    """A real logs.db with some rows, cut in half (a copy interrupted half way)."""
    assert llm.run("-m", "srv", "row " + "x" * 20000).returncode == 0
    conn = sqlite3.connect(llm.logs_db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        (llm.user_dir / f"logs.db{suffix}").unlink(missing_ok=True)
    data = llm.logs_db.read_bytes()
    return data[: len(data) // 2]


BAD_DBS = {
    "not SQLite": lambda llm: b"This is my shopping list, not a database.\n" * 50,
    "corrupt": lambda llm: b"SQLite format 3\x00" + bytes(range(256)) * 40,
    "truncated": _truncated_db,
    "empty header only": lambda llm: b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"\x00" * 80,
}


@pytest.mark.parametrize("make", BAD_DBS.values(), ids=BAD_DBS.keys())
def test_unusable_logs_db(llm, make):
    data = make(llm)
    llm.logs_db.write_bytes(data)
    # The answer is printed, the record kept aside, and the user told in one line.
    llm.server.reply(["still ", "answered"])
    result = llm.run("-m", "srv", "hi")
    assert result.returncode == 0, result
    assert result.stdout == "still answered\n"
    assert "Traceback" not in result.stderr
    [warning] = result.stderr_lines
    assert warning.startswith("Warning: ") and str(llm.logs_db) in warning
    assert (llm.user_dir / "logs-pending.jsonl").exists()
    assert "still answered" in (llm.user_dir / "logs-pending.jsonl").read_text()
    # Reading the logs is a clean error naming the file.
    assert_clean_error(llm.run("logs"), str(llm.logs_db))
    assert_clean_error(llm.run("-m", "srv", "-c", "more"), str(llm.logs_db))
    assert llm.logs_db.read_bytes() == data


@pytest.mark.parametrize("kind", ["not SQLite", "corrupt"])
def test_database_option_pointing_at_an_unusable_file(llm, kind):
    other = llm.tmp_path / "other.db"
    data = BAD_DBS[kind](llm)
    other.write_bytes(data)
    assert_clean_error(llm.run("logs", "-d", str(other)), str(other))
    assert_clean_error(llm.run("logs", "list", "--database", str(other), "--json"), str(other))
    assert other.read_bytes() == data


def test_read_only_logs_db(llm, make_unwritable):
    assert llm.run("-m", "srv", "before").returncode == 0
    conn = sqlite3.connect(llm.logs_db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = llm.logs_db.read_bytes()
    make_unwritable(llm.logs_db)
    result = llm.run("-m", "srv", "hi")
    assert (result.returncode, result.stdout) == (0, "ok\n"), result
    [warning] = result.stderr_lines
    assert warning.startswith("Warning: ") and str(llm.logs_db) in warning
    assert "read-only" in warning or "readonly" in warning
    assert llm.logs_db.read_bytes() == data
    result = llm.run("logs", "-n", "0")
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        assert "before" in result.stdout
    else:
        assert_clean_error(result, str(llm.logs_db))


@pytest.mark.parametrize("kind", ["not SQLite", "corrupt"])
def test_unusable_embeddings_db(llm, kind):
    env = {"OPENAI_BASE_URL": llm.server.url, "OPENAI_API_KEY": TEST_KEY}
    data = BAD_DBS[kind](llm)
    db = llm.user_dir / "embeddings.db"
    db.write_bytes(data)
    assert_clean_error(llm.run("collections", "list"), str(db))
    assert_clean_error(llm.run("embed", "c", "one", "-m", "3-small", "-c", "text", env=env),
                       str(db))
    assert_clean_error(llm.run("similar", "c", "-c", "text", env=env), str(db))
    other = llm.tmp_path / "elsewhere.db"
    other.write_bytes(data)
    assert_clean_error(llm.run("collections", "list", "-d", str(other)), str(other))
    assert_clean_error(llm.run("embed", "c", "one", "-m", "3-small", "-c", "text",
                               "-d", str(other), env=env), str(other))
    assert db.read_bytes() == data and other.read_bytes() == data


def test_read_only_embeddings_db(llm, make_unwritable):
    env = {"OPENAI_BASE_URL": llm.server.url, "OPENAI_API_KEY": TEST_KEY}
    assert llm.run("embed", "c", "one", "-m", "3-small", "-c", "text", env=env).returncode == 0
    db = llm.user_dir / "embeddings.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = db.read_bytes()
    make_unwritable(db)
    assert_clean_error(llm.run("embed", "c", "two", "-m", "3-small", "-c", "more", env=env),
                       str(db))
    result = llm.run("collections", "list")
    assert (result.returncode, result.stdout) == (0, "c: text-embedding-3-small\n  1 embedding\n")
    assert db.read_bytes() == data


# -- the user directory ------------------------------------------------------------


def test_user_path_pointing_at_a_file(llm):
    target = llm.tmp_path / "a-file"
    target.write_text("not a directory")
    env = {"LLM_USER_PATH": str(target)}
    for args in (("-m", "srv", "hi"), ("keys", "list"), ("logs",), ("models",)):
        assert_clean_error(llm.run(*args, env=env), str(target))
    assert target.read_text() == "not a directory"


def test_user_path_unwritable_directory(llm, make_unwritable):
    before = snapshot(llm.user_dir)
    make_unwritable(llm.user_dir)
    # The answer still arrives; logging it fails and so does keeping it aside,
    # which is the one case that exits non-zero.
    result = llm.run("-m", "srv", "hi")
    assert result.stdout == "ok\n"
    assert_clean_error(result, str(llm.user_dir))
    assert_clean_error(llm.run("keys", "set", "other", "--value", "v"), str(llm.user_dir))
    assert snapshot(llm.user_dir) == before


# -- text that is not quite text ---------------------------------------------------


def test_invalid_utf8_argument(llm):
    result = llm.run("-m", "srv", b"caf\xe9 \xff".decode("utf-8", "surrogateescape"))
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", ""), result
    sent = llm.server.requests[-1].body["messages"][-1]["content"]
    assert sent == "caf\ufffd \ufffd"
    [row] = llm.rows()
    assert row["prompt"] == sent


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_invalid_utf8_on_stdin(llm, locale):
    result = llm.run("-m", "srv", input=b"caf\xe9 \xff\xfe bytes", env={"LC_ALL": locale})
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", ""), result
    sent = llm.server.requests[-1].body["messages"][-1]["content"]
    assert sent == "caf\ufffd \ufffd\ufffd bytes"
    assert llm.rows()[0]["prompt"] == sent


def test_nul_bytes_on_stdin(llm):
    result = llm.run("-m", "srv", "explain", input=b"before\x00after")
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", ""), result
    sent = llm.server.requests[-1].body["messages"][-1]["content"]
    assert sent == "before\x00after explain"
    assert llm.rows()[0]["prompt"] == sent


def test_ten_megabyte_prompt_on_stdin(llm):
    text = ("All work and no play makes Jack a dull boy. " * 230_000)[:10_000_000]
    result = llm.run("-m", "srv", input=text, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", ""), result
    assert llm.server.requests[-1].body["messages"][-1]["content"] == text
    [row] = llm.rows()
    assert len(row["prompt"]) == 10_000_000
    assert llm.integrity() == "ok"


# -- embed-multi input ----------------------------------------------------------

EMBED_INPUTS = {
    "ragged CSV": ("csv", b"id,content\n1,hello\n2,world\n3,one,two\n4,four\n", "line 4"),
    "ragged TSV": ("tsv", b"id\tcontent\n1\thello\n2\n", "line 3"),
    "invalid JSON": ("json", b'[{"id": "1", "content": "x"},\n {"id": "2", "content": }]',
                     "line 2"),
    "invalid JSONL": ("nl", (b'{"id": "1", "content": "x"}\n{"id": "2", "content": "y"}\n'
                             b'{"id": "3", "content"\n'), "line 3"),
    "binary data": ("csv", b"id,content\n1,ok\n" + bytes(range(128, 256)) * 8, "line 3"),
    "wrong encoding": ("csv", "id,content\n1,hello\n2,caf\u00e9\n".encode("latin-1"), "line 3"),
}


@pytest.mark.parametrize("fmt,content,line", EMBED_INPUTS.values(), ids=EMBED_INPUTS.keys())
def test_embed_multi_bad_input_names_the_line_and_stores_nothing(llm, fmt, content, line):
    env = {"OPENAI_BASE_URL": llm.server.url, "OPENAI_API_KEY": TEST_KEY}
    source = llm.tmp_path / f"input.{fmt}"
    source.write_bytes(content)
    result = llm.run("embed-multi", "things", str(source), "--format", fmt, "-m", "3-small",
                     env=env)
    error = assert_clean_error(result)
    assert line in error.lower()
    assert [r for r in llm.server.requests if r.path.endswith("/embeddings")] == []
    db = llm.user_dir / "embeddings.db"
    if db.exists():
        conn = sqlite3.connect(db)
        try:
            tables = {r[0] for r in conn.execute("select name from sqlite_master")}
            if "embeddings" in tables:
                assert conn.execute("select count(*) from embeddings").fetchone()[0] == 0
        finally:
            conn.close()
    # The same rows from standard input: the same error.
    result = llm.run("embed-multi", "things", "-", "--format", fmt, "-m", "3-small",
                     input=content, env=env)
    assert line in assert_clean_error(result).lower()
