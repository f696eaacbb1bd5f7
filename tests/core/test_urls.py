"""``llm.urls.fetch_url``: the one bounded fetch every URL goes through."""

from __future__ import annotations

import base64
import time

import pytest
from llm.errors import ConfigError
from llm.urls import FetchError, FetchLimits, fetch_url, redact_url, url_host
from support.hostile_site import HostileSite


@pytest.fixture
def site():
    with HostileSite() as server:
        yield server


def test_fetches_body_type_and_charset(site):
    url = site.add("/a.txt", "héllo".encode("latin-1"), content_type="text/plain; charset=latin-1")
    fetched = fetch_url(url)
    assert (fetched.status, fetched.body, fetched.content_type, fetched.charset) == (
        200, "héllo".encode("latin-1"), "text/plain", "latin-1")
    assert fetched.text() == "héllo"
    assert site.requests == [("GET", "/a.txt")]
    assert site.headers[0]["User-Agent"] == "llm"


def test_http_error_names_the_url_and_status(site):
    with pytest.raises(FetchError) as info:
        fetch_url(site.url + "/missing", what="fragment")
    assert str(info.value) == f"Could not fetch fragment {site.url}/missing: HTTP 404 Not Found"
    assert info.value.status == 404


def test_head_reads_no_body(site):
    url = site.huge("/big.bin", size=400 * 1024 * 1024)
    fetched = fetch_url(url, method="HEAD")
    assert (fetched.body, fetched.content_type) == (b"", "application/octet-stream")
    assert site.requests == [("HEAD", "/big.bin")]


def test_dripping_server_is_cut_at_the_total_deadline(site):
    url = site.drip("/slow.txt", interval=0.3, count=100)
    start = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch_url(url, what="fragment", timeout=1.5)
    took = time.monotonic() - start
    assert 1.4 < took < 3.0
    assert str(info.value) == (f"Could not fetch fragment {url}: no complete answer within 1.5 s "
                               "(LLM_FETCH_TIMEOUT)")
    assert site.sent < 10  # it really was dripping when we hung up


def test_deadline_from_the_environment(site, monkeypatch):
    monkeypatch.setenv("LLM_FETCH_TIMEOUT", "1")
    url = site.drip("/slow.txt", interval=0.25, count=100)
    start = time.monotonic()
    with pytest.raises(FetchError, match="within 1 s"):
        fetch_url(url)
    assert time.monotonic() - start < 2.5


def test_declared_huge_body_is_refused_before_reading(site):
    url = site.huge("/big.bin", size=400 * 1024 * 1024)
    with pytest.raises(FetchError) as info:
        fetch_url(url, what="attachment")
    assert str(info.value) == (f"Could not fetch attachment {url}: larger than 50 MiB "
                               "(LLM_FETCH_MAX_BYTES)")
    assert site.sent < 400 * 1024 * 1024


def test_undeclared_huge_body_stops_at_the_cap(site, monkeypatch):
    monkeypatch.setenv("LLM_FETCH_MAX_BYTES", str(3 * 1024 * 1024))
    url = site.huge("/stream.bin", size=400 * 1024 * 1024, declare_length=False)
    with pytest.raises(FetchError) as info:
        fetch_url(url)
    assert str(info.value) == f"Could not fetch {url}: larger than 3 MiB (LLM_FETCH_MAX_BYTES)"
    assert site.sent < 100 * 1024 * 1024


def test_a_per_call_cap_is_reported_without_the_setting(site):
    url = site.add("/t.yaml", b"x" * 2000)
    with pytest.raises(FetchError) as info:
        fetch_url(url, what="template", max_bytes=1000)
    assert str(info.value) == f"Could not fetch template {url}: larger than 1000 bytes"
    assert fetch_url(url, max_bytes=2000).body == b"x" * 2000


def test_bad_limit_settings_are_reported(monkeypatch):
    monkeypatch.setenv("LLM_FETCH_MAX_BYTES", "-5")
    with pytest.raises(ConfigError, match="LLM_FETCH_MAX_BYTES must be a whole number of bytes"):
        FetchLimits.from_environment()
    monkeypatch.setenv("LLM_FETCH_MAX_BYTES", "10")
    monkeypatch.setenv("LLM_FETCH_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="LLM_FETCH_TIMEOUT must be a number of seconds"):
        FetchLimits.from_environment()


def test_only_http_and_https(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("local")
    for url in (f"file://{secret}", "ftp://127.0.0.1/x", "data:text/plain,hi"):
        with pytest.raises(FetchError, match="only http:// and https:// URLs can be fetched"):
            fetch_url(url)


def test_redirects_off_http_are_refused(site, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("local secret")
    url = site.redirect("/go", f"file://{secret}")
    with pytest.raises(FetchError) as info:
        fetch_url(url)
    assert "local secret" not in str(info.value)
    assert str(info.value).endswith("is not allowed")
    url = site.redirect("/ftp", "ftp://127.0.0.1/x")
    with pytest.raises(FetchError) as info:
        fetch_url(url)
    assert str(info.value) == (f"Could not fetch {url}: HTTP 302 redirect to a URL that is "
                               "not http(s)")


def test_redirects_are_followed_within_http(site):
    site.add("/there.txt", b"arrived")
    url = site.redirect("/here", site.url + "/there.txt")
    fetched = fetch_url(url)
    assert fetched.body == b"arrived"
    assert fetched.url == site.url + "/there.txt"


def test_credentials_in_the_url_become_basic_auth_and_are_never_shown(site):
    base = site.url.replace("http://", "http://admin:s3cret@")
    site.add("/private.txt", b"ok")
    assert fetch_url(base + "/private.txt").body == b"ok"
    expected = "Basic " + base64.b64encode(b"admin:s3cret").decode()
    assert site.headers[0]["Authorization"] == expected
    # Not repeated to a redirect target.
    site.redirect("/jump", site.url + "/private.txt")
    fetch_url(base + "/jump")
    assert "Authorization" not in site.headers[-1]
    # Errors name the URL without them.
    with pytest.raises(FetchError) as info:
        fetch_url(base + "/missing")
    assert str(info.value) == f"Could not fetch {site.url}/missing: HTTP 404 Not Found"
    assert "s3cret" not in str(info.value) and "admin" not in str(info.value)


def test_connection_errors_hide_credentials():
    with pytest.raises(FetchError) as info:
        fetch_url("http://admin:s3cret@127.0.0.1:9/x")  # nothing listens on port 9
    assert str(info.value) == "Could not fetch http://127.0.0.1:9/x: Connection refused"


def test_redact_url_and_host():
    assert redact_url("https://u:p@example.com:8080/v1?x=1") == "https://example.com:8080/v1?x=1"
    assert redact_url("https://example.com/a@b") == "https://example.com/a@b"
    assert url_host("http://admin:secret@host:9/v1") == "host:9"
    assert url_host("not a url") == ""
