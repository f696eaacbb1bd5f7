"""Attachments: type sniffing, content, base64, ids (spec: advanced-model-plugins.md,
python-api.md "Attachments")."""

from __future__ import annotations

import base64
import hashlib
import json

import llm
import pytest

# -- resolve_type ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,expected",
    [("png", "image/png"), ("jpeg", "image/jpeg"), ("mp3", "audio/mpeg"), ("wav", "audio/wav")],
)
def test_resolve_type_sniffs_content(media, kind, expected):
    assert llm.Attachment(content=getattr(media, kind)).resolve_type() == expected


@pytest.mark.parametrize(
    "kind,expected",
    [("png", "image/png"), ("jpeg", "image/jpeg"), ("mp3", "audio/mpeg"), ("wav", "audio/wav")],
)
def test_resolve_type_sniffs_files_without_extension(media, tmp_path, kind, expected):
    path = tmp_path / f"blob-{kind}"
    path.write_bytes(getattr(media, kind))
    assert llm.Attachment(path=str(path)).resolve_type() == expected


def test_resolve_type_trusts_bytes_over_extension(media, tmp_path):
    path = tmp_path / "actually-a-png.jpg"
    path.write_bytes(media.png)
    assert llm.Attachment(path=str(path)).resolve_type() == "image/png"


def test_explicit_type_wins(media):
    attachment = llm.Attachment(type="image/gif", content=media.png)
    assert attachment.resolve_type() == "image/gif"


def test_resolve_type_of_url_attachment(media, http_server):
    url = http_server.add("/pelican", media.png, content_type="image/png")
    attachment = llm.Attachment(url=url)
    assert attachment.resolve_type() == "image/png"
    # The declared type is enough: nothing is downloaded until the bytes are needed.
    assert http_server.requests == [("HEAD", "/pelican")]
    assert attachment.content is None


def test_url_attachment_type_sniffed_when_the_server_does_not_say(media, http_server):
    url = http_server.add("/blob", media.png, content_type="application/octet-stream")
    attachment = llm.Attachment(url=url)
    assert attachment.resolve_type() == "image/png"
    assert http_server.requests == [("HEAD", "/blob"), ("GET", "/blob")]
    assert attachment.content == media.png


def test_missing_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "nope.png"
    with pytest.raises(ValueError) as excinfo:
        llm.Attachment(path=str(missing)).content_bytes()
    assert str(missing) in str(excinfo.value)


# -- content_bytes / base64_content ---------------------------------------------------------


def test_content_bytes_from_content(media):
    assert llm.Attachment(content=media.jpeg).content_bytes() == media.jpeg


def test_content_bytes_from_path(media, tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(media.png)
    attachment = llm.Attachment(path=str(path))
    assert attachment.path == str(path)
    assert attachment.content_bytes() == media.png


def test_content_bytes_from_url_is_fetched_lazily(media, http_server):
    url = http_server.add("/audio.wav", media.wav, content_type="audio/wav")
    attachment = llm.Attachment(url=url)
    assert http_server.requests == []
    assert attachment.content_bytes() == media.wav
    assert ("GET", "/audio.wav") in http_server.requests
    assert attachment.url == url


def test_url_fetch_failure_is_a_clear_error(http_server):
    url = http_server.base + "/missing.png"
    with pytest.raises(ValueError) as excinfo:
        llm.Attachment(url=url).content_bytes()
    assert "/missing.png" in str(excinfo.value)
    assert "404" in str(excinfo.value)


def test_url_fetch_is_bounded_by_a_timeout(monkeypatch):
    """A server that accepts the connection and never answers must not hang the prompt."""
    import socket
    import time

    monkeypatch.setenv("LLM_FETCH_TIMEOUT", "0.5")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # never accept()ed, never answered
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/slow.png"
        start = time.monotonic()
        with pytest.raises(ValueError) as excinfo:
            llm.Attachment(url=url).content_bytes()
        assert time.monotonic() - start < 10
        assert "slow.png" in str(excinfo.value)
    finally:
        silent.close()


def test_base64_content(media, tmp_path):
    expected = base64.b64encode(media.png).decode("utf-8")
    assert llm.Attachment(content=media.png).base64_content() == expected
    path = tmp_path / "x.png"
    path.write_bytes(media.png)
    assert llm.Attachment(path=str(path)).base64_content() == expected


def test_base64_content_of_url(media, http_server):
    url = http_server.add("/x.mp3", media.mp3, content_type="audio/mpeg")
    assert llm.Attachment(url=url).base64_content() == base64.b64encode(media.mp3).decode()


# -- id() ------------------------------------------------------------------------------------


def test_id_is_sha256_of_content(media):
    assert llm.Attachment(content=media.png).id() == hashlib.sha256(media.png).hexdigest()


def test_id_of_path_is_sha256_of_file_bytes(media, tmp_path):
    path = tmp_path / "x.jpg"
    path.write_bytes(media.jpeg)
    attachment = llm.Attachment(path=str(path))
    assert attachment.id() == hashlib.sha256(media.jpeg).hexdigest()
    assert attachment.id() == llm.Attachment(content=media.jpeg).id()


def test_id_of_url_is_sha256_of_url_json_and_does_not_fetch(http_server, media):
    url = http_server.add("/p.png", media.png, content_type="image/png")
    expected = hashlib.sha256(json.dumps({"url": url}).encode("utf-8")).hexdigest()
    assert llm.Attachment(url=url).id() == expected
    assert http_server.requests == []


def test_id_of_url_attachment_does_not_change_once_fetched(http_server, media):
    url = http_server.add("/q.png", media.png, content_type="image/png")
    expected = hashlib.sha256(json.dumps({"url": url}).encode("utf-8")).hexdigest()
    attachment = llm.Attachment(url=url)
    assert attachment.resolve_type() == "image/png"  # fetches the bytes
    assert attachment.content_bytes() == media.png
    assert attachment.id() == expected
    assert llm.Attachment(url=url).id() == expected


def test_different_content_different_ids(media):
    assert llm.Attachment(content=media.png).id() != llm.Attachment(content=media.jpeg).id()


def test_attachment_fields(media):
    attachment = llm.Attachment(content=media.png)
    assert attachment.type is None
    assert attachment.path is None
    assert attachment.url is None
    assert attachment.content == media.png
    attachment = llm.Attachment(type="image/png", url="http://example.com/x.png")
    assert (attachment.type, attachment.url, attachment.path, attachment.content) == (
        "image/png", "http://example.com/x.png", None, None
    )
