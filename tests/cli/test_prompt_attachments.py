"""``llm prompt -a`` / ``--at``: files, URLs and standard input."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading

import pytest
from support.cli import invoke, rows

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


@pytest.fixture
def files(tmp_path):
    (tmp_path / "pic.png").write_bytes(PNG)
    (tmp_path / "photo.jpg").write_bytes(JPEG)
    (tmp_path / "notes.txt").write_text("just text\n")
    return tmp_path


@pytest.fixture
def server(files):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Handler, directory=str(files))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_file_attachment(fixtures, user_path, files):
    path = files / "pic.png"
    result = invoke(["-m", "echo-json", "describe", "-a", str(path)])
    assert result.exit_code == 0, result.output
    sent = json.loads(result.output)
    assert sent["attachments"] == [{"type": "image/png", "id": hashlib.sha256(PNG).hexdigest()}]
    [attachment] = rows(user_path, "select * from attachments")
    assert attachment["type"] == "image/png"
    assert attachment["path"] == str(path)
    assert attachment["url"] is None and attachment["content"] is None
    [link] = rows(user_path, "select * from prompt_attachments")
    [response] = rows(user_path, "select id from responses")
    assert link == {"response_id": response["id"], "attachment_id": attachment["id"], "order": 0}


def test_relative_path_is_stored_absolute(fixtures, user_path, files, monkeypatch):
    monkeypatch.chdir(files)
    assert invoke(["-m", "echo-json", "describe", "-a", "pic.png"]).exit_code == 0
    assert rows(user_path, "select path from attachments") == [{"path": str(files / "pic.png")}]


def test_several_attachments_keep_their_order(fixtures, user_path, files):
    result = invoke(
        ["-m", "echo-json", "compare", "-a", str(files / "photo.jpg"), "-a", str(files / "pic.png")]
    )
    sent = json.loads(result.output)
    assert [a["type"] for a in sent["attachments"]] == ["image/jpeg", "image/png"]
    linked = rows(
        user_path,
        "select a.type, pa.[order] from prompt_attachments pa "
        "join attachments a on a.id = pa.attachment_id order by pa.[order]",
    )
    assert linked == [{"type": "image/jpeg", "order": 0}, {"type": "image/png", "order": 1}]


def test_attachment_without_prompt(fixtures, files):
    sent = json.loads(invoke(["-m", "echo-json", "-a", str(files / "pic.png")]).output)
    assert not sent["prompt"]  # no prompt text: None or "" depending on the core's Prompt
    assert sent["attachments"][0]["type"] == "image/png"


def test_stdin_attachment(fixtures, user_path):
    result = invoke(["-m", "echo-json", "what is this", "-a", "-"], input=PNG)
    assert result.exit_code == 0, result.output
    sent = json.loads(result.output)
    assert sent["prompt"] == "what is this"
    assert sent["attachments"] == [{"type": "image/png", "id": hashlib.sha256(PNG).hexdigest()}]
    [attachment] = rows(user_path, "select * from attachments")
    assert attachment["content"] == PNG and attachment["path"] is None


def test_explicit_type_for_stdin(fixtures, user_path):
    data = b"opaque bytes that sniff as nothing"
    result = invoke(["-m", "echo-json", "look", "--at", "-", "image/jpeg"], input=data)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["attachments"][0]["type"] == "image/jpeg"
    assert rows(user_path, "select type, content from attachments") == [
        {"type": "image/jpeg", "content": data}
    ]


def test_explicit_type_for_file(fixtures, files):
    result = invoke(
        ["-m", "echo-json", "look", "--attachment-type", str(files / "notes.txt"), "image/png"]
    )
    assert json.loads(result.output)["attachments"][0]["type"] == "image/png"


def test_url_attachment(fixtures, user_path, server):
    url = f"{server}/pic.png"
    result = invoke(["-m", "echo-json", "describe", "-a", url])
    assert result.exit_code == 0, result.output
    sent = json.loads(result.output)
    assert sent["attachments"][0]["type"] == "image/png"
    [attachment] = rows(user_path, "select * from attachments")
    assert (attachment["type"], attachment["url"], attachment["path"], attachment["content"]) == (
        "image/png",
        url,
        None,
        None,
    )


def test_missing_file(fixtures, user_path):
    result = invoke(["-m", "echo-json", "describe", "-a", "nope.png"])
    assert result.exit_code == 1
    assert result.stderr == "Error: File nope.png does not exist\n"
    assert not (user_path / "logs.db").exists()


def test_unreadable_url(fixtures, server):
    result = invoke(["-m", "echo-json", "describe", "-a", f"{server}/missing.png"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: Could not fetch attachment {server}/missing.png: HTTP 404 File not found\n"


def test_unreachable_url(fixtures):
    result = invoke(["-m", "echo-json", "describe", "-a", "http://127.0.0.1:9/x.png"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Could not fetch attachment http://127.0.0.1:9/x.png: Connection refused\n"
    assert result.stderr.count("\n") == 1


def test_type_the_model_does_not_accept(fixtures, files):
    result = invoke(["-m", "echo-json", "read", "-a", str(files / "notes.txt")])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: This model does not support attachments of type 'text/plain', "
        "only image/jpeg, image/png\n"
    )


def test_model_without_attachment_support(fixtures, files):
    result = invoke(["-m", "keyed", "read", "--key", "k", "-a", str(files / "pic.png")])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: This model does not support attachments, but one of type 'image/png' was given\n"
    )


def test_unknown_binary_type_and_explicit_type(fixtures, tmp_path):
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 4)
    result = invoke(["-m", "echo-json", "what", "-a", str(tmp_path / "blob.bin")])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: This model does not support attachments of type 'application/octet-stream', "
        "only image/jpeg, image/png\n"
    )
    result = invoke(["-m", "echo-json", "what", "--at", str(tmp_path / "blob.bin"), "image/png"])
    assert result.exit_code == 0
