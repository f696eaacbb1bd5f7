"""``llm prompt -c`` / ``--cid``: continuing conversations, including databases
written by earlier llm releases."""

from __future__ import annotations

import json
import sqlite3


from support.legacy_logs import DOCUMENTED_SCHEMA
from support.cli import invoke, rows


def test_continue_sends_history_and_reuses_model(fixtures, user_path):
    first = invoke(["-m", "echo-json", "first question", "-s", "sys one"])
    assert first.exit_code == 0, first.output
    # No -m: the default model (gpt-4o-mini) is not installed, so this only
    # works if --continue picks the conversation's model.
    second = invoke(["second question", "-c"])
    assert second.exit_code == 0, second.output
    sent = json.loads(second.output)
    assert sent["prompt"] == "second question"
    assert sent["history"] == [
        {"prompt": "first question", "system": "sys one", "response": first.output.rstrip("\n")}
    ]
    logged = rows(user_path, "select model, conversation_id from responses order by rowid")
    assert [r["model"] for r in logged] == ["echo-json", "echo-json"]
    assert logged[0]["conversation_id"] == logged[1]["conversation_id"]
    assert len(rows(user_path, "select * from conversations")) == 1


def test_continue_picks_the_most_recent_conversation(fixtures, user_path):
    invoke(["-m", "echo-json", "conversation A"])
    invoke(["-m", "mock", "conversation B"])
    result = invoke(["-c", "follow up", "--continue"])
    assert result.output == "mock: follow up\n"
    [(_prompt, _stream, _response, conversation)] = fixtures.mock.history[-1:]
    assert [r.prompt.prompt for r in conversation.responses][:1] == ["conversation B"]


def test_cid_continues_a_specific_conversation(fixtures, user_path):
    invoke(["-m", "echo-json", "conversation A"])
    invoke(["-m", "mock", "conversation B"])
    cid = rows(user_path, "select conversation_id from responses where prompt = 'conversation A'")
    cid = cid[0]["conversation_id"]
    result = invoke(["--cid", cid, "more A"])
    sent = json.loads(result.output)
    assert [h["prompt"] for h in sent["history"]] == ["conversation A"]
    result = invoke(["--conversation", cid, "even more A"])
    assert [h["prompt"] for h in json.loads(result.output)["history"]] == [
        "conversation A",
        "more A",
    ]
    counts = rows(
        user_path,
        "select conversation_id, count(*) as n from responses group by conversation_id order by n",
    )
    assert [c["n"] for c in counts] == [1, 3]
    assert counts[1]["conversation_id"] == cid


def test_model_option_overrides_conversation_model(fixtures, user_path):
    invoke(["-m", "echo-json", "start"])
    result = invoke(["-c", "-m", "mock", "switch"])
    assert result.output == "mock: switch\n"
    [(_prompt, _stream, _response, conversation)] = fixtures.mock.history
    assert [r.prompt.prompt for r in conversation.responses][:1] == ["start"]
    logged = rows(user_path, "select model, conversation_id from responses order by rowid")
    assert [r["model"] for r in logged] == ["echo-json", "mock"]
    assert logged[0]["conversation_id"] == logged[1]["conversation_id"]


def test_continue_with_nothing_logged_starts_a_conversation(fixtures, user_path):
    result = invoke(["-m", "echo-json", "-c", "hello"])
    assert json.loads(result.output)["history"] == []
    assert len(rows(user_path, "select * from responses")) == 1


def test_unknown_cid(fixtures, user_path):
    invoke(["-m", "mock", "something"])
    result = invoke(["--cid", "01nonexistent", "hi"])
    assert result.exit_code == 1
    assert result.stderr == "Error: No conversation found with id=01nonexistent\n"
    result = invoke(["--cid", "01nonexistent", "hi", "-n"])
    assert result.exit_code == 1


def test_no_log_continuation_is_not_stored(fixtures, user_path):
    invoke(["-m", "echo-json", "one"])
    result = invoke(["-c", "two", "-n"])
    assert [h["prompt"] for h in json.loads(result.output)["history"]] == ["one"]
    assert [r["prompt"] for r in rows(user_path, "select prompt from responses")] == ["one"]


# --- a logs.db written by an earlier release -----------------------------------

OLD_SCHEMA = DOCUMENTED_SCHEMA

OLD_CID = "01h53zma5txeby33t1kbe3xk8q"
OLD_ROWS = [
    (
        "01h53zma5w2fyz2xm9bnm7y3h4",
        "echo-json",
        "Name a cheese",
        "Answer briefly",
        None,
        '{"temperature": 0.5}',
        "Cheddar",
        None,
        OLD_CID,
        812,
        "2023-07-12T10:00:00.000000",
        None,
        None,
        None,
    ),
    (
        "01h53zmb0000000000000000aa",
        "echo-json",
        "Another one",
        None,
        None,
        "{}",
        "Brie",
        None,
        OLD_CID,
        640,
        "2023-07-12T10:01:00.000000",
        4,
        1,
        None,
    ),
]


def _write_old_db(path):
    conn = sqlite3.connect(path)
    conn.executescript(OLD_SCHEMA)
    conn.execute(
        "insert into conversations values (?, ?, ?)", (OLD_CID, "Name a cheese", "echo-json")
    )
    conn.executemany(
        "insert into responses values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", OLD_ROWS
    )
    conn.execute("insert into responses_fts(responses_fts) values ('rebuild')")
    conn.commit()
    conn.close()


def test_continue_a_conversation_from_an_older_release(fixtures, user_path):
    _write_old_db(user_path / "logs.db")
    result = invoke(["-c", "And a third?"])
    assert result.exit_code == 0, result.output
    sent = json.loads(result.output)
    assert [{**h, "system": h["system"] or None} for h in sent["history"]] == [
        {"prompt": "Name a cheese", "system": "Answer briefly", "response": "Cheddar"},
        {"prompt": "Another one", "system": None, "response": "Brie"},
    ]
    logged = rows(user_path, "select * from responses order by rowid")
    # Old rows are untouched, the new one joins the old conversation.
    # (Later migrations may add columns; the documented ones keep their values.)
    assert [tuple(r.values())[:14] for r in logged[:2]] == OLD_ROWS
    assert logged[2]["conversation_id"] == OLD_CID
    assert logged[2]["prompt"] == "And a third?"
    assert rows(user_path, "select * from conversations") == [
        {"id": OLD_CID, "name": "Name a cheese", "model": "echo-json"}
    ]
    # Full-text search still covers old and new rows.
    hits = rows(user_path, "select rowid from responses_fts where responses_fts match 'third'")
    assert len(hits) == 1


def test_cid_into_older_release_database(fixtures, user_path):
    _write_old_db(user_path / "logs.db")
    result = invoke(["--cid", OLD_CID, "-m", "mock", "switch models"])
    assert result.output == "mock: switch models\n"
    [(_prompt, _stream, _response, conversation)] = fixtures.mock.history
    assert [r.text_or_raise() for r in conversation.responses][:2] == ["Cheddar", "Brie"]


def test_old_conversation_with_uninstalled_model(fixtures, user_path):
    _write_old_db(user_path / "logs.db")
    conn = sqlite3.connect(user_path / "logs.db")
    conn.execute("update conversations set model = 'gpt-2-retro'")
    conn.commit()
    conn.close()
    result = invoke(["-c", "hi"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: Conversation {OLD_CID} used model gpt-2-retro, which is not installed\n"
    )
    # Naming a model explicitly still continues it.
    assert invoke(["-c", "-m", "mock", "hi"]).output == "mock: hi\n"


def test_continue_from_a_database_without_token_or_attachment_tables(fixtures, user_path):
    """Releases before token usage and attachments wrote fewer columns and tables."""
    conn = sqlite3.connect(user_path / "logs.db")
    conn.executescript(
        """
        CREATE TABLE [conversations] ([id] TEXT PRIMARY KEY, [name] TEXT, [model] TEXT);
        CREATE TABLE [responses] (
          [id] TEXT PRIMARY KEY, [model] TEXT, [prompt] TEXT, [system] TEXT,
          [prompt_json] TEXT, [options_json] TEXT, [response] TEXT, [response_json] TEXT,
          [conversation_id] TEXT REFERENCES [conversations]([id]), [duration_ms] INTEGER,
          [datetime_utc] TEXT
        );
        INSERT INTO conversations VALUES ('01h0ldc0nversat10n000000000', 'hi', 'mock');
        INSERT INTO responses VALUES ('01h0ldresp0nse0000000000000', 'mock', 'hi', NULL, NULL,
          '{}', 'hello from 2023', NULL, '01h0ldc0nversat10n000000000', 100,
          '2023-06-01T00:00:00');
        """
    )
    conn.commit()
    conn.close()
    result = invoke(["-c", "remember me?"])
    assert result.exit_code == 0, result.output
    assert result.output == "mock: remember me?\n"
    [(_prompt, _stream, _response, conversation)] = fixtures.mock.history
    assert conversation.responses[0].text_or_raise() == "hello from 2023"
    logged = rows(user_path, "select id, conversation_id, response from responses order by rowid")
    assert logged == [
        {
            "id": "01h0ldresp0nse0000000000000",
            "conversation_id": "01h0ldc0nversat10n000000000",
            "response": "hello from 2023",
        },
        {
            "id": logged[1]["id"],
            "conversation_id": "01h0ldc0nversat10n000000000",
            "response": "mock: remember me?",
        },
    ]
    assert rows(user_path, "select input_tokens, output_tokens from responses")[1] == {
        "input_tokens": 2,
        "output_tokens": 1,
    }
