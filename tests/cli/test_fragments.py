"""Fragments on the command line: ``-f`` / ``--sf`` and ``llm fragments``."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading

import click
import llm
import llm.logs
import pytest
from cli.conftest_tools import registered_tools_plugin
from llmio_cli.references import fragments_for
from support.cli import invoke, rows


@pytest.fixture
def tools_plugin():
    with registered_tools_plugin() as plugin:
        yield plugin


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture
def server():
    """A local HTTP server: /dogs.txt answers text, anything else 404."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            if self.path == "/dogs.txt":
                body = "Dogs are loyal. Ünïcode ok.".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404, "Not Found")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---------------------------------------------------------------- resolving -f values


def test_resolve_file_url_stdin_and_loader(tools_plugin, tmp_path, server, monkeypatch):
    import io

    base, requests = server
    path = tmp_path / "cats.txt"
    path.write_text("Cats are independent.")
    monkeypatch.setattr("sys.stdin", io.StringIO("from stdin"))
    fragments, attachments = fragments_for(
        [str(path), f"{base}/dogs.txt", "-", "shout:hello", "pair:x"]
    )
    assert [(str(f), f.source) for f in fragments] == [
        ("Cats are independent.", str(path)),
        ("Dogs are loyal. Ünïcode ok.", f"{base}/dogs.txt"),
        ("from stdin", "-"),
        ("HELLO", "shout:hello"),
        ("x as text", "pair:x"),
    ]
    assert all(isinstance(f, llm.Fragment) for f in fragments)
    assert [(a.type, a.content) for a in attachments] == [("text/plain", b"x")]
    assert requests == ["/dogs.txt"]


def test_resolve_errors(tools_plugin, tmp_path, server):
    base, _ = server
    cases = [
        (
            [f"{base}/missing.txt"],
            f"Could not fetch fragment {base}/missing.txt: HTTP 404 Not Found",
        ),
        (["nothing-here"], "Fragment 'nothing-here' not found"),
        (["nope:thing"], "Fragment 'nope:thing' not found: no fragment loader for 'nope:'"),
        ([str(tmp_path)], f"Fragment {tmp_path} is a directory, not a regular file"),
    ]
    for values, message in cases:
        with pytest.raises(click.ClickException) as info:
            fragments_for(values)
        assert info.value.message == message
    with pytest.raises(click.ClickException) as info:
        fragments_for(["pair:x"], system=True)
    assert info.value.message == "System fragment pair:x is an attachment: use -f for attachments"


# ---------------------------------------------------------------- llm fragments


def test_fragments_set_show_list_remove(tools_plugin, tmp_path, user_path):
    path = tmp_path / "notes.md"
    path.write_text("line one\nline two")
    assert invoke("fragments").output == ""  # nothing stored, no database yet

    result = invoke("fragments", "set", "notes", str(path))
    assert (result.exit_code, result.output) == (0, "")
    # Setting the same content again under another alias stores it once.
    assert invoke("fragments", "set", "again", "notes").exit_code == 0
    assert invoke("fragments", "set", "loud", "shout:hi").exit_code == 0
    db = user_path / "logs.db"
    stored = rows(db, "select hash, content, source from fragments order by id")
    assert stored == [
        {"hash": sha("line one\nline two"), "content": "line one\nline two", "source": str(path)},
        {"hash": sha("HI"), "content": "HI", "source": "shout:hi"},
    ]
    assert rows(db, "select alias, fragment_id from fragment_aliases order by alias") == [
        {"alias": "again", "fragment_id": 1},
        {"alias": "loud", "fragment_id": 2},
        {"alias": "notes", "fragment_id": 1},
    ]

    assert invoke("fragments", "show", "notes").output == "line one\nline two\n"
    assert invoke("fragments", "show", sha("HI")).output == "HI\n"
    missing = invoke("fragments", "show", "nope")
    assert (missing.exit_code, missing.output) == (1, "Error: Fragment 'nope' not found\n")

    dates = [r["datetime_utc"] for r in rows(db, "select datetime_utc from fragments order by id")]
    listing = invoke("fragments", "list")
    assert listing.exit_code == 0, listing.output
    assert listing.output == (
        f"- hash: {sha('line one' + chr(10) + 'line two')}\n"
        "  aliases:\n  - again\n  - notes\n"
        f"  datetime_utc: '{dates[0]}'\n"
        f"  source: {path}\n"
        "  content: |-\n    line one\n    line two\n"
        f"- hash: {sha('HI')}\n"
        "  aliases:\n  - loud\n"
        f"  datetime_utc: '{dates[1]}'\n"
        "  source: shout:hi\n"
        "  content: HI\n"
    )
    as_json = json.loads(invoke("fragments", "list", "--json", "-q", "HI").output)
    assert as_json == [
        {
            "hash": sha("HI"),
            "aliases": ["loud"],
            "datetime_utc": dates[1],
            "source": "shout:hi",
            "content": "HI",
        }
    ]

    assert invoke("fragments", "remove", "loud").exit_code == 0
    assert invoke("fragments", "list", "--aliases", "--json").output.count('"hash"') == 1
    # The fragment stays (earlier prompts refer to it); only the alias goes.
    assert len(rows(db, "select * from fragments")) == 2
    gone = invoke("fragments", "remove", "loud")
    assert (gone.exit_code, gone.output) == (1, "Error: No fragment alias 'loud'\n")

    # Re-pointing an alias replaces it.
    assert invoke("fragments", "set", "notes", "shout:bye").exit_code == 0
    assert invoke("fragments", "show", "notes").output == "BYE\n"


def test_fragments_set_errors(tools_plugin, tmp_path):
    bad = invoke("fragments", "set", "has:colon", "shout:x")
    assert bad.exit_code == 1
    assert bad.output == "Error: Invalid alias 'has:colon': use letters, digits, '_', '-' and '.'\n"
    pair = invoke("fragments", "set", "p", "pair:x")
    assert (pair.exit_code, pair.output) == (
        1,
        "Error: pair:x must resolve to exactly one text fragment\n",
    )
    missing = invoke("fragments", "set", "m", str(tmp_path / "missing.txt"))
    assert missing.output == f"Error: Fragment '{tmp_path / 'missing.txt'}' not found\n"


def test_fragments_list_truncates_unless_full(user_path):
    long = "x" * 300
    conn = llm.logs.open_db()
    from llm.logs.write import store_fragment

    store_fragment(conn, llm.Fragment(long, "long.txt"))
    conn.close()
    short = invoke("fragments", "list").output
    assert f"  content: {'x' * 197}...\n" in short
    full = invoke("fragments", "list", "--full").output
    assert f"  content: {long}\n" in full


def test_fragments_database_option(tools_plugin, tmp_path, user_path):
    other = tmp_path / "other.db"
    assert invoke("fragments", "set", "x", "shout:other", "-d", str(other)).exit_code == 0
    assert not (user_path / "logs.db").exists()
    assert invoke("fragments", "show", "x", "-d", str(other)).output == "OTHER\n"
    assert invoke("fragments", "show", "x").exit_code == 1


def test_fragments_loaders(tools_plugin):
    result = invoke("fragments", "loaders")
    assert result.exit_code == 0
    assert result.output == (
        "shout:\n  Upper-cases the argument.\n\n  Returns one fragment.\n\n"
        "pair:\n  Returns a text fragment and a text/plain attachment\n"
    )


def test_fragments_loaders_none():
    assert invoke("fragments", "loaders").output == ""


# ---------------------------------------------------------------- llm prompt -f / --sf


def described(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_prompt_fragments_and_system_fragments(tools_plugin, tmp_path, user_path, server):
    base, _ = server
    doc = tmp_path / "doc.txt"
    doc.write_text("The document.")
    style = tmp_path / "style.txt"
    style.write_text("Be terse.")
    result = invoke(
        "-m",
        "scripted",
        "-f",
        str(doc),
        "-f",
        f"{base}/dogs.txt",
        "--sf",
        str(style),
        "-s",
        "You help.",
        "Summarize",
    )
    data = described(result)
    assert data["prompt"] == "The document.\nDogs are loyal. Ünïcode ok.\nSummarize"
    assert data["system"] == "Be terse.\nYou help."
    db = user_path / "logs.db"
    [response] = rows(db, "select id, prompt, system from responses")
    # The logged prompt is what was typed; fragments are stored once each, by hash.
    assert (response["prompt"], response["system"]) == ("Summarize", "You help.")
    assert rows(db, "select id, hash, content, source from fragments order by id") == [
        {"id": 1, "hash": sha("The document."), "content": "The document.", "source": str(doc)},
        {
            "id": 2,
            "hash": sha("Dogs are loyal. Ünïcode ok."),
            "content": "Dogs are loyal. Ünïcode ok.",
            "source": f"{base}/dogs.txt",
        },
        {"id": 3, "hash": sha("Be terse."), "content": "Be terse.", "source": str(style)},
    ]
    assert rows(
        db, 'select response_id, fragment_id, "order" from prompt_fragments order by "order"'
    ) == [
        {"response_id": response["id"], "fragment_id": 1, "order": 0},
        {"response_id": response["id"], "fragment_id": 2, "order": 1},
    ]
    assert rows(db, 'select response_id, fragment_id, "order" from system_fragments') == [
        {"response_id": response["id"], "fragment_id": 3, "order": 0}
    ]

    # The same content again (by alias, hash or another copy): no new fragment rows.
    assert invoke("fragments", "set", "doc", str(doc)).exit_code == 0
    copy = tmp_path / "copy.txt"
    copy.write_text("The document.")
    again = described(
        invoke("-m", "scripted", "-f", "doc", "-f", sha("Be terse."), "-f", str(copy), "Again")
    )
    assert again["prompt"] == "The document.\nBe terse.\nThe document.\nAgain"
    assert len(rows(db, "select id from fragments")) == 3
    second = rows(db, "select id from responses order by rowid")[1]["id"]
    assert rows(
        db,
        'select fragment_id, "order" from prompt_fragments where response_id = ? order by "order"',
        [second],
    ) == [
        {"fragment_id": 1, "order": 0},
        {"fragment_id": 3, "order": 1},
        {"fragment_id": 1, "order": 2},
    ]


def test_prompt_fragment_from_stdin_and_loader(tools_plugin, user_path):
    result = invoke(
        "-m", "scripted", "-f", "-", "-f", "shout:hi", "-f", "pair:p", "What?", input="piped text"
    )
    data = described(result)
    assert data["prompt"] == "piped text\nHI\np as text\nWhat?"
    assert data["attachments"] == ["text/plain"]
    db = user_path / "logs.db"
    assert [r["source"] for r in rows(db, "select source from fragments order by id")] == [
        "-",
        "shout:hi",
        "pair:p",
    ]
    assert len(rows(db, "select * from prompt_attachments")) == 1


def test_prompt_with_only_fragments(tools_plugin):
    data = described(invoke("-m", "scripted", "-f", "shout:just this"))
    assert data["prompt"] == "JUST THIS"


def test_prompt_fragment_errors(tools_plugin, user_path):
    result = invoke("-m", "scripted", "-f", "nowhere", "hi")
    assert (result.exit_code, result.output) == (1, "Error: Fragment 'nowhere' not found\n")
    result = invoke("-m", "scripted", "--sf", "pair:x", "hi")
    assert (
        result.output == "Error: System fragment pair:x is an attachment: use -f for attachments\n"
    )
    assert not (user_path / "logs.db").exists()


def test_continued_conversation_keeps_fragments(tools_plugin, user_path):
    invoke("-m", "scripted", "-f", "shout:context", "first")
    data = described(invoke("-c", "second"))
    assert data["prompt"] == "second"
    conversation = llm.logs.load_conversation(llm.logs.open_db(user_path / "logs.db"))
    assert [[str(f) for f in r.prompt.fragments] for r in conversation.responses] == [
        ["CONTEXT"],
        [],
    ]


def test_template_with_fragments(tools_plugin, user_path):
    templates = user_path / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "frag.yaml").write_text(
        "model: scripted\nfragments:\n- shout:from template\nsystem_fragments:\n- shout:sys\n"
    )
    data = described(invoke("-t", "frag", "-f", "shout:cli", "hello"))
    assert data["prompt"] == "FROM TEMPLATE\nCLI\nhello"
    assert data["system"] == "SYS"


def test_chat_with_fragments(tools_plugin, user_path):
    result = invoke(
        "chat",
        "-m",
        "scripted",
        "-f",
        "shout:ctx",
        "--sf",
        "shout:sys",
        input="first\nsecond\nquit\n",
    )
    assert result.exit_code == 0, result.output
    db = user_path / "logs.db"
    # Fragments go with the first message; the conversation carries them after that.
    assert [
        r["n"]
        for r in rows(
            db,
            "select (select count(*) from prompt_fragments p where p.response_id = responses.id) n from responses order by rowid",
        )
    ] == [1, 0]
    assert '"prompt": "CTX\\nfirst"' in result.stdout
    assert '"prompt": "second"' in result.stdout
