import json
import sqlite3

import llm
import pytest


def md(
    row_id,
    prompt="hi",
    response="hello",
    *,
    cid="c1",
    model="mock",
    system=None,
    dt="2025-02-16T22:34:30",
    details=True,
    extra="",
):
    """The Markdown `llm logs` prints for one response."""
    out = f"# {dt}"
    if details:
        out += f"    conversation: {cid} id: {row_id}\n\nModel: **{model}**\n\n"
    else:
        out += "\n\n"
    out += f"## Prompt\n\n{prompt}\n"
    if system is not None:
        out += f"\n## System\n\n{system}\n"
    out += extra
    out += f"\n## Response\n\n{response}\n\n"
    return out


@pytest.fixture
def four(add_response):
    for i in range(1, 5):
        add_response(
            id=f"r{i}", prompt=f"prompt {i}", response=f"response {i}", conversation_id=f"c{i}"
        )


# ---------------------------------------------------------------- path / on / off / status


def test_logs_path(invoke, user_path):
    result = invoke("logs", "path")
    assert (result.exit_code, result.output) == (0, f"{user_path / 'logs.db'}\n")


def test_logs_off_and_on(invoke, user_path):
    assert llm.logs_on()
    assert invoke("logs", "off").exit_code == 0
    assert (user_path / "logs-off").exists()
    assert not llm.logs_on()
    assert invoke("logs", "off").exit_code == 0  # idempotent
    assert invoke("logs", "on").exit_code == 0
    assert not (user_path / "logs-off").exists()
    assert llm.logs_on()
    assert invoke("logs", "on").exit_code == 0


def test_logs_status_without_database(invoke, user_path):
    result = invoke("logs", "status")
    assert result.exit_code == 0
    assert result.output == (
        f"Logging is ON for all prompts\nNo log database found at {user_path / 'logs.db'}\n"
    )
    assert not (user_path / "logs.db").exists()


def test_logs_status(invoke, user_path, add_response):
    add_response(id="r1", conversation_id="c1")
    add_response(id="r2", conversation_id="c1")
    add_response(id="r3", conversation_id="c2")
    invoke("logs", "off")
    result = invoke("logs", "status")
    assert result.exit_code == 0
    path = user_path / "logs.db"
    size = path.stat().st_size
    assert size >= 1024
    assert result.output == (
        "Logging is OFF\n"
        f"Found log database at {path}\n"
        "Number of conversations logged: 2\n"
        "Number of responses logged:     3\n"
        f"Database file size:             {size / 1024:.2f}KB\n"
    )


# ---------------------------------------------------------------- Markdown


def test_logs_default_shows_three_most_recent_oldest_first(invoke, four):
    result = invoke("logs")
    assert result.exit_code == 0
    assert result.output == (
        md("r2", "prompt 2", "response 2", cid="c2")
        + md("r3", "prompt 3", "response 3", cid="c3")
        + md("r4", "prompt 4", "response 4", cid="c4")
    )
    assert invoke("logs", "list").output == result.output


def test_logs_count(invoke, four):
    assert invoke("logs", "-n", "1").output == md("r4", "prompt 4", "response 4", cid="c4")
    everything = invoke("logs", "-n", "0").output
    assert everything == "".join(
        md(f"r{i}", f"prompt {i}", f"response {i}", cid=f"c{i}") for i in range(1, 5)
    )
    assert invoke("logs", "--count", "10").output == everything


def test_logs_empty_database(invoke, logs_db):
    result = invoke("logs")
    assert (result.exit_code, result.output) == (0, "")


def test_logs_system_and_missing_user_text(invoke, add_response):
    add_response(id="r1", prompt=None, system="be brief", conversation_id="c1")
    add_response(id="r2", prompt="again", system="be brief", conversation_id="c2")
    assert invoke("logs").output == (
        md("r1", "-- none --", system="be brief", cid="c1")
        + md("r2", "again", system="be brief", cid="c2")
    )


def test_logs_conversation_shows_header_and_repeated_system_once(invoke, add_response):
    add_response(id="r0", conversation_id="other", prompt="elsewhere")
    add_response(
        id="r1",
        conversation_id="c9",
        prompt="one",
        system="sys",
        datetime_utc="2025-01-01T10:00:00.000001",
    )
    add_response(
        id="r2",
        conversation_id="c9",
        prompt="two",
        system="sys",
        datetime_utc="2025-01-01T10:01:00.000001",
    )
    add_response(
        id="r3",
        conversation_id="c9",
        prompt="three",
        system="new sys",
        datetime_utc="2025-01-01T10:02:00.000001",
    )
    add_response(
        id="r4",
        conversation_id="c9",
        prompt="four",
        system=None,
        datetime_utc="2025-01-01T10:03:00.000001",
    )
    expected = (
        md("r1", "one", cid="c9", system="sys", dt="2025-01-01T10:00:00")
        + md("r2", "two", cid="c9", dt="2025-01-01T10:01:00", details=False)
        + md("r3", "three", cid="c9", system="new sys", dt="2025-01-01T10:02:00", details=False)
        + md("r4", "four", cid="c9", dt="2025-01-01T10:03:00", details=False)
    )
    # -c picks the most recent conversation and shows all of it (no -n limit)
    assert invoke("logs", "-c").output == expected
    assert invoke("logs", "--current").output == expected
    assert invoke("logs", "--cid", "c9").output == expected
    assert invoke("logs", "--conversation", "c9", "-n", "1").output == md(
        "r4", "four", cid="c9", dt="2025-01-01T10:03:00"
    )
    assert invoke("logs", "--cid", "other").output == md("r0", "elsewhere", cid="other")
    assert invoke("logs", "--cid", "missing").output == ""


def test_logs_current_without_any_logs(invoke, logs_db):
    result = invoke("logs", "-c")
    assert result.exit_code == 1
    assert result.output == "Error: No conversations found\n"


def test_logs_usage(invoke, add_response):
    add_response(
        id="r1",
        input_tokens=1200,
        output_tokens=5,
        token_details=json.dumps({"cached": 0, "reasoning": {"tokens": 7, "x": 0}}),
    )
    add_response(id="r2", conversation_id="c2")
    assert invoke("logs", "-u").output == (
        md("r1", extra="")
        + '## Token usage:\n\n1,200 input, 5 output, {"reasoning": {"tokens": 7}}\n\n'
        + md("r2", cid="c2")
    )


def test_logs_truncate(invoke, add_response):
    long = "word " * 40
    add_response(id="r1", prompt=long, response="x" * 150, system="s" * 120)
    expected = md("r1", long[:97] + "...", "x" * 97 + "...", system="s" * 97 + "...")
    assert invoke("logs", "-t").output == expected
    assert invoke("logs", "--truncate").output == expected


def test_logs_attachments_markdown_and_json(invoke, add_response, add_attachment):
    add_response(id="r1", prompt="describe")
    add_attachment("r1", "a1", 0, "image/jpeg", path="/tmp/cat.jpg")
    add_attachment("r1", "a2", 1, "image/png", url="https://example.com/dog.png")
    add_attachment("r1", "a3", 2, "audio/wav", content=b"\0" * 2048)
    assert invoke("logs").output == md(
        "r1",
        "describe",
        extra=(
            "\n### Attachments\n\n"
            "1. **image/jpeg**: `/tmp/cat.jpg`\n"
            "2. **image/png**: https://example.com/dog.png\n"
            "3. **audio/wav**: `<2,048 bytes>`\n"
        ),
    )
    rows = json.loads(invoke("logs", "--json").output)
    assert rows[0]["attachments"] == [
        {
            "id": "a1",
            "type": "image/jpeg",
            "path": "/tmp/cat.jpg",
            "url": None,
            "content_length": None,
        },
        {
            "id": "a2",
            "type": "image/png",
            "path": None,
            "url": "https://example.com/dog.png",
            "content_length": None,
        },
        {"id": "a3", "type": "audio/wav", "path": None, "url": None, "content_length": 2048},
    ]


# ---------------------------------------------------------------- JSON


def test_logs_json_fields(invoke, add_response):
    add_response(
        id="01jm8ec74wxsdatyn5pq1fp0s5",
        model="mock",
        prompt="hi",
        response="Hello!",
        options_json='{"temperature": 0.5}',
        response_json='{"raw": [1, 2]}',
        conversation_id="01jm8ec74taftdgj2t4zra9z0j",
        conversation_name="hi",
        duration_ms=560,
        datetime_utc="2025-02-16T22:34:30.374882+00:00",
        input_tokens=8,
        output_tokens=12,
        token_details='{"cached": 1}',
    )
    result = invoke("logs", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == [
        {
            "id": "01jm8ec74wxsdatyn5pq1fp0s5",
            "model": "mock",
            "prompt": "hi",
            "system": None,
            "prompt_json": None,
            "options_json": {"temperature": 0.5},
            "response": "Hello!",
            "response_json": {"raw": [1, 2]},
            "conversation_id": "01jm8ec74taftdgj2t4zra9z0j",
            "duration_ms": 560,
            "datetime_utc": "2025-02-16T22:34:30.374882+00:00",
            "input_tokens": 8,
            "output_tokens": 12,
            "token_details": '{"cached": 1}',
            "conversation_name": "hi",
            "conversation_model": "mock",
            "attachments": [],
        }
    ]
    assert result.output.startswith('[\n  {\n    "id": "01jm8ec74wxsdatyn5pq1fp0s5",\n')


def test_logs_json_truncated_matches_documented_example(invoke, add_response):
    """`llm logs -n 1 -t --json` has exactly the fields logging.md shows."""
    add_response(id="r0", conversation_id="c0")
    add_response(
        id="01jm8ec74wxsdatyn5pq1fp0s5",
        model="anthropic/claude-3-haiku-20240307",
        prompt="hi",
        response="Hello! How can I assist you today?" + " more" * 30,
        options_json="{}",
        response_json='{"id": "msg"}',
        conversation_id="01jm8ec74taftdgj2t4zra9z0j",
        conversation_name="hi",
        duration_ms=560,
        datetime_utc="2025-02-16T22:34:30.374882+00:00",
        input_tokens=8,
        output_tokens=12,
    )
    result = invoke("logs", "-n", "1", "-t", "--json")
    assert result.exit_code == 0
    response = ("Hello! How can I assist you today?" + " more" * 30)[:97] + "..."
    assert (
        result.output
        == """[
  {
    "id": "01jm8ec74wxsdatyn5pq1fp0s5",
    "model": "anthropic/claude-3-haiku-20240307",
    "prompt": "hi",
    "system": null,
    "prompt_json": null,
    "response": "RESPONSE",
    "conversation_id": "01jm8ec74taftdgj2t4zra9z0j",
    "duration_ms": 560,
    "datetime_utc": "2025-02-16T22:34:30.374882+00:00",
    "input_tokens": 8,
    "output_tokens": 12,
    "token_details": null,
    "conversation_name": "hi",
    "conversation_model": "anthropic/claude-3-haiku-20240307",
    "attachments": []
  }
]
""".replace("RESPONSE", response)
    )


# ---------------------------------------------------------------- short YAML


def test_logs_short(invoke, add_response):
    add_response(
        id="r1",
        model="deepseek-reasoner",
        conversation_id="01jk2pk05xq3d0vgk0202zrsg1",
        datetime_utc="2025-02-02T06:39:53.123456",
        prompt="H01 There are five huts.\nH02 The Scotsman lives in the purple hut. " * 4,
    )
    add_response(
        id="r2",
        model="o3-mini",
        conversation_id="01jk40qkxetedzpf1zd8k9bgww",
        datetime_utc="2025-02-02T19:03:05.000001+00:00",
        system="Formatting re-enabled. Write a README.",
        prompt="short",
        input_tokens=5,
        output_tokens=6,
    )
    result = invoke("logs", "-n", "2", "--short")
    assert result.exit_code == 0
    assert result.output == (
        "- model: deepseek-reasoner\n"
        "  datetime: '2025-02-02T06:39:53'\n"
        "  conversation: 01jk2pk05xq3d0vgk0202zrsg1\n"
        "  prompt: H01 There are five huts. H02 The Scotsman lives in the purple hut. H01 There\n"
        "    are five huts. H02 The Scotsman lives in...\n"
        "- model: o3-mini\n"
        "  datetime: '2025-02-02T19:03:05'\n"
        "  conversation: 01jk40qkxetedzpf1zd8k9bgww\n"
        "  system: Formatting re-enabled. Write a README.\n"
        "  prompt: short\n"
    )


def test_logs_short_with_usage(invoke, add_response):
    add_response(
        id="r1",
        model="o3-mini",
        conversation_id="cx",
        prompt="p",
        datetime_utc="2025-02-16T23:00:56.5",
        input_tokens=74793,
        output_tokens=3550,
        token_details=json.dumps(
            {
                "completion_tokens_details": {"reasoning_tokens": 2240, "audio_tokens": 0},
                "prompt_tokens_details": {"cached_tokens": 0},
            }
        ),
    )
    add_response(
        id="r2", model="m", conversation_id="cy", prompt="q", datetime_utc="2025-02-16T23:00:57.5"
    )
    result = invoke("logs", "--short", "--usage")
    assert result.exit_code == 0
    assert result.output == (
        "- model: o3-mini\n"
        "  datetime: '2025-02-16T23:00:56'\n"
        "  conversation: cx\n"
        "  prompt: p\n"
        "  usage:\n"
        "    input: 74793\n"
        "    output: 3550\n"
        "    details:\n"
        "      completion_tokens_details:\n"
        "        reasoning_tokens: 2240\n"
        "- model: m\n"
        "  datetime: '2025-02-16T23:00:57'\n"
        "  conversation: cy\n"
        "  prompt: q\n"
    )


def test_logs_short_empty(invoke, logs_db):
    assert invoke("logs", "-s").output == ""


# ---------------------------------------------------------------- -r / -x / --xl

CODE = "Intro\n```python\nfirst = 1\n```\nthen\n```\nsecond = 2\n```\nend"


def test_logs_response_only(invoke, add_response):
    add_response(id="r1", response="older")
    add_response(id="r2", response="the latest\nresponse")
    result = invoke("logs", "-r")
    assert (result.exit_code, result.output) == (0, "the latest\nresponse\n")
    assert invoke("logs", "--response").output == "the latest\nresponse\n"


def test_logs_response_only_empty(invoke, logs_db):
    assert invoke("logs", "-r").output == ""


def test_logs_extract(invoke, add_response):
    add_response(id="r1", response=CODE)
    add_response(id="r2", response="no code here")
    add_response(id="r3", response="```\nthird = 3\n```")
    # The same extraction as `llm prompt -x`: the block without its final newline.
    assert invoke("logs", "-x").output == "first = 1\nthird = 3\n"
    assert invoke("logs", "--extract").output == "first = 1\nthird = 3\n"
    assert invoke("logs", "--xl").output == "second = 2\nthird = 3\n"
    assert invoke("logs", "--extract-last", "-n", "1").output == "third = 3\n"


def test_logs_response_with_extract(invoke, add_response):
    add_response(id="r1", response=CODE)
    assert invoke("logs", "-r", "-x").output == "first = 1\n"
    assert invoke("logs", "-r", "--xl").output == "second = 2\n"
    add_response(id="r2", response="plain")
    assert invoke("logs", "-r", "-x").output == "plain\n"


# ---------------------------------------------------------------- filters


def test_logs_model_filter_accepts_alias(invoke, fixtures, add_response):
    add_response(id="r1", model="mock", prompt="a")
    add_response(id="r2", model="gone-model", prompt="b", conversation_id="c2")
    add_response(id="r3", model="echo-json", prompt="c", conversation_id="c3")
    assert invoke("logs", "-m", "mock-alias").output == md("r1", "a")
    assert invoke("logs", "--model", "mock").output == md("r1", "a")
    # a model that is no longer installed still matches its logged ID
    assert invoke("logs", "-m", "gone-model").output == md("r2", "b", cid="c2", model="gone-model")


def test_logs_search_best_match_last(invoke, add_response):
    add_response(
        id="r1",
        prompt="cheesecake cheesecake cheesecake",
        response="cheesecake!",
        conversation_id="c1",
    )
    add_response(id="r2", prompt="pelican", response="no match", conversation_id="c2")
    add_response(
        id="r3",
        prompt="a story about a cheesecake and a very long list of other"
        " words that dilute the match quite a lot",
        response="ok",
        conversation_id="c3",
    )
    result = invoke("logs", "-q", "cheesecake")
    assert result.exit_code == 0
    assert [line for line in result.output.splitlines() if line.startswith("# ")] == [
        "# 2025-02-16T22:34:30    conversation: c3 id: r3",
        "# 2025-02-16T22:34:30    conversation: c1 id: r1",
    ]
    # -n limits to the best matches
    assert "id: r1" in invoke("logs", "-q", "cheesecake", "-n", "1").output
    assert "id: r3" not in invoke("logs", "-q", "cheesecake", "-n", "1").output


def test_logs_search_combines_with_model(invoke, add_response):
    add_response(id="r1", model="a", prompt="flourish", conversation_id="c1")
    add_response(id="r2", model="b", prompt="flourish", conversation_id="c2")
    rows = json.loads(invoke("logs", "-q", "flourish", "-m", "b", "--json").output)
    assert [r["id"] for r in rows] == ["r2"]


def test_logs_search_punctuation_is_not_fts_syntax(invoke, add_response):
    add_response(id="r1", prompt='it\'s "quoted" AND (odd)', response="x")
    result = invoke("logs", "-q", 'it\'s "quoted" AND (odd', "--json")
    assert result.exit_code == 0
    assert [r["id"] for r in json.loads(result.output)] == ["r1"]
    assert json.loads(invoke("logs", "-q", "-", "--json").output) == []


# ---------------------------------------------------------------- other databases


def test_logs_path_option_and_database_alias(invoke, tmp_path, user_path):
    other = tmp_path / "other.db"
    conn = llm.logs.open_db(other)
    conn.execute("insert into conversations values ('c1', 'n', 'm')")
    conn.execute(
        "insert into responses (id, model, prompt, response, conversation_id, "
        "datetime_utc) values ('x1', 'm', 'p', 'r', 'c1', '2024-01-01T00:00:00')"
    )
    conn.close()
    expected = md("x1", "p", "r", model="m", dt="2024-01-01T00:00:00")
    assert invoke("logs", "-p", str(other)).output == expected
    assert invoke("logs", "list", "--path", str(other)).output == expected
    assert invoke("logs", "-d", str(other)).output == expected
    assert invoke("logs", "--database", str(other)).output == expected
    assert not (user_path / "logs.db").exists()


def test_logs_path_missing_file(invoke, tmp_path):
    result = invoke("logs", "-p", str(tmp_path / "nope.db"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_logs_not_a_database_is_clean_error(invoke, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    result = invoke("logs", "-p", str(bad))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bad}: ")
    assert result.output.count("\n") == 1


def test_logs_from_an_earlier_llm_release(invoke, user_path):
    """A logs.db written before token columns existed: entries show, search works."""
    path = user_path / "logs.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE [_llm_migrations] ([name] TEXT PRIMARY KEY, [applied_at] TEXT);
        CREATE TABLE [conversations] ([id] TEXT PRIMARY KEY, [name] TEXT, [model] TEXT);
        CREATE TABLE [responses] (
          [id] TEXT PRIMARY KEY, [model] TEXT, [prompt] TEXT, [system] TEXT,
          [prompt_json] TEXT, [options_json] TEXT, [response] TEXT, [response_json] TEXT,
          [conversation_id] TEXT REFERENCES [conversations]([id]), [duration_ms] INTEGER,
          [datetime_utc] TEXT);
        CREATE VIRTUAL TABLE [responses_fts] USING FTS5 ([prompt], [response],
          content=[responses]);
        INSERT INTO conversations VALUES ('01h82n0q9crqtnzmf13gkyxawg', 'old chat',
          'gpt-3.5-turbo');
        INSERT INTO responses VALUES ('01h82n0q9dk4y6t7bq3b0t2a1m', 'gpt-3.5-turbo',
          'Ten names for cheesecakes', NULL, NULL, '{}', 'Cheesy McCheeseface', NULL,
          '01h82n0q9crqtnzmf13gkyxawg', 1234, '2023-08-17T20:53:58.123456');
        INSERT INTO responses_fts (rowid, prompt, response)
          SELECT rowid, prompt, response FROM responses;
        """
    )
    conn.close()
    assert invoke("logs").output == md(
        "01h82n0q9dk4y6t7bq3b0t2a1m",
        "Ten names for cheesecakes",
        "Cheesy McCheeseface",
        cid="01h82n0q9crqtnzmf13gkyxawg",
        model="gpt-3.5-turbo",
        dt="2023-08-17T20:53:58",
    )
    rows = json.loads(invoke("logs", "-q", "cheesecakes", "--json").output)
    assert [(r["id"], r["input_tokens"], r["conversation_name"]) for r in rows] == [
        ("01h82n0q9dk4y6t7bq3b0t2a1m", None, "old chat")
    ]


# ---------------------------------------------------------------- real responses


def test_logs_show_responses_logged_by_core(invoke, fixtures, logs_db):
    model = llm.get_model("mock")
    fixtures.mock.enqueue(["Hello", " world"])
    response = model.prompt("Say hello", system="be nice", temperature=0.5)
    response.text()
    response.log_to_db(logs_db)
    conversation = response.conversation
    follow_up = conversation.prompt("again")
    follow_up.text()
    follow_up.log_to_db(logs_db)

    rows = json.loads(invoke("logs", "--json", "-u").output)
    assert [
        (
            r["model"],
            r["prompt"],
            r["system"],
            r["response"],
            r["options_json"],
            r["input_tokens"],
            r["output_tokens"],
            r["conversation_id"],
            r["conversation_model"],
        )
        for r in rows
    ] == [
        (
            "mock",
            "Say hello",
            "be nice",
            "Hello world",
            {"temperature": 0.5},
            2,
            2,
            conversation.id,
            "mock",
        ),
        ("mock", "again", None, "mock: again", {}, 1, 1, conversation.id, "mock"),
    ]
    assert rows[0]["id"] == response.id
    assert rows[0]["conversation_name"] == "Say hello"

    output = invoke("logs", "-c").output
    assert output.startswith(
        f"# {rows[0]['datetime_utc'].split('.')[0].split('+')[0]}"
        f"    conversation: {conversation.id} id: {response.id}\n\n"
        "Model: **mock**\n\n## Prompt\n\nSay hello\n\n## System\n\n"
        "be nice\n\n## Response\n\nHello world\n\n"
    )
    assert output.endswith("## Prompt\n\nagain\n\n## Response\n\nmock: again\n\n")


# ---------------------------------------------------------------- errors


def test_llm_raise_errors_lets_the_exception_through(invoke, tmp_path, monkeypatch):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not sqlite" * 200)
    monkeypatch.setenv("LLM_RAISE_ERRORS", "1")
    result = invoke("logs", "-p", str(bad))
    assert isinstance(result.exception, llm.logs.LogsDatabaseError)


def test_errors_from_the_installed_script(tmp_path, user_path):
    import os
    import subprocess
    import sys

    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not sqlite" * 200)
    env = {k: v for k, v in os.environ.items() if k != "LLM_RAISE_ERRORS"}
    argv = [sys.executable, "-m", "llmio_cli", "logs", "-p", str(bad)]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {bad}: not a SQLite database (or it is corrupt)\n"

    env["LLM_RAISE_ERRORS"] = "1"
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "LogsDatabaseError" in result.stderr


def test_logs_empty_system_is_not_shown(invoke, add_response):
    add_response(id="r1", system="")
    assert invoke("logs").output == md("r1")


def test_logs_search_latest_orders_by_time(invoke, add_response):
    add_response(id="r1", prompt="cheesecake cheesecake cheesecake", conversation_id="c1")
    add_response(id="r2", prompt="one cheesecake among many other words here", conversation_id="c2")
    add_response(id="r3", prompt="unrelated", conversation_id="c3")
    by_rank = json.loads(invoke("logs", "-q", "cheesecake", "--json").output)
    assert [r["id"] for r in by_rank] == ["r2", "r1"]
    latest = json.loads(invoke("logs", "-q", "cheesecake", "-l", "-n", "1", "--json").output)
    assert [r["id"] for r in latest] == ["r2"]
    assert [
        r["id"] for r in json.loads(invoke("logs", "-q", "cheesecake", "--latest", "--json").output)
    ] == ["r1", "r2"]


def test_logs_short_lists_attachments(invoke, add_response, add_attachment):
    add_response(id="r1", prompt="describe", datetime_utc="2025-01-02T03:04:05.6")
    add_attachment("r1", "a1", 0, "image/jpeg", path="/tmp/cat.jpg")
    add_attachment("r1", "a2", 1, "image/png", url="https://example.com/dog.png")
    add_attachment("r1", "a3", 2, "audio/wav", content=b"x")
    assert invoke("logs", "-s").output == (
        "- model: mock\n"
        "  datetime: '2025-01-02T03:04:05'\n"
        "  conversation: c1\n"
        "  prompt: describe\n"
        "  attachments:\n"
        "  - type: image/jpeg\n"
        "    path: /tmp/cat.jpg\n"
        "  - type: image/png\n"
        "    url: https://example.com/dog.png\n"
        "  - type: audio/wav\n"
    )
