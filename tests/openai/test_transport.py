"""TLS and proxies for our OpenAI client (``llmio_openai.transport``), read from the
environment as the ``openai`` SDK's HTTP library reads them, and one TLS context
per process."""

from __future__ import annotations

import asyncio
import ssl

import pytest

import llm
from llm.default_plugins.openai_models import Chat, Responses
from llmio_openai import api, transport

from .conftest import TLS_DATA

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUEST_METHOD")


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch):
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LLM_OPENAI_MAX_RETRIES", "0")


def chat(server, **kwargs):
    model = Chat("local", api_base=server.url, **kwargs)
    model.needs_key = None
    return model


# -- TLS ---------------------------------------------------------------------------


@pytest.mark.parametrize("variable,value", [("SSL_CERT_FILE", "ca.pem"),
                                            ("SSL_CERT_DIR", "capath")])
def test_custom_certificate_authorities(tls_server, monkeypatch, variable, value):
    monkeypatch.setenv(variable, str(TLS_DATA / value))
    assert tls_server.url.startswith("https://")
    tls_server.reply(["se", "cure"])
    assert chat(tls_server).prompt("hi").text() == "secure"
    assert chat(tls_server).prompt("hi", stream=False).text() == "ok"


def test_an_unknown_certificate_authority_is_refused(tls_server):
    with pytest.raises(llm.ModelError) as excinfo:
        chat(tls_server).prompt("hi").text()
    assert str(excinfo.value).startswith(
        f"Could not connect to {tls_server.host}: [SSL: CERTIFICATE_VERIFY_FAILED] "
        "certificate verify failed: unable to get local issuer certificate")
    assert tls_server.requests == []


@pytest.fixture
def count_tls_contexts(monkeypatch):
    """How many ``ssl.SSLContext`` objects get made, from a fresh process state."""
    made = []
    original = ssl.SSLContext.__new__

    def counted(cls, *args, **kwargs):
        made.append(cls)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "__new__", staticmethod(counted))
    monkeypatch.setattr(transport, "_TLS", {})
    monkeypatch.setattr(transport, "_DIRECTORY_ONLY", set())
    monkeypatch.setattr(transport, "_DIRECTORY_FELL_SHORT", False)
    return made


def test_one_tls_context_per_process(tls_server, monkeypatch, count_tls_contexts):
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS_DATA / "ca.pem"))
    monkeypatch.setenv("OPENAI_BASE_URL", tls_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    model = llm.get_model("4o-mini")
    model.prompt("one").text()
    model.prompt("two", stream=False).text()
    vectors = list(llm.get_embedding_model("3-small").embed_multi(f"item {i}" for i in range(250)))
    assert len(vectors) == 250

    async def run():
        return await llm.get_async_model("4o-mini").prompt("three").text()

    assert asyncio.run(run()) == "ok"
    # The SDK path (the Responses API) is handed the same context.
    responses = Responses("resp", api_base=tls_server.url)
    responses.needs_key = None
    assert responses.prompt("four").text() == "ok"
    assert len(tls_server.requests) == 7
    assert len(count_tls_contexts) == 1


def test_a_changed_certificate_setting_gets_its_own_context(tls_server, monkeypatch,
                                                            count_tls_contexts):
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS_DATA / "ca.pem"))
    first = transport.tls_context()
    assert transport.tls_context() is first
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SSL_CERT_DIR", str(TLS_DATA / "capath"))
    assert transport.tls_context() is not first
    assert len(count_tls_contexts) == 2


@pytest.fixture
def system_store(monkeypatch):
    """Stand-ins for OpenSSL's compiled-in CA file and hashed CA directory."""

    def use(cafile, capath):
        paths = ssl.DefaultVerifyPaths(None, None, "SSL_CERT_FILE", str(cafile), "SSL_CERT_DIR",
                                       str(capath))
        monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: paths)

    return use


def test_the_system_ca_directory_alone_when_it_verifies(tls_server, system_store,
                                                         count_tls_contexts):
    # The CA file does not hold the test CA, the directory does: the file is never read.
    system_store(TLS_DATA / "server.pem", TLS_DATA / "capath")
    assert chat(tls_server).prompt("one").text() == "ok"
    assert chat(tls_server).prompt("two", stream=False).text() == "ok"
    assert len(count_tls_contexts) == 1
    assert transport.tls_context().cert_store_stats()["x509_ca"] <= 1  # loaded on demand


def test_the_system_ca_file_too_when_the_directory_falls_short(tls_server, system_store,
                                                               count_tls_contexts, tmp_path):
    directory = tmp_path / "certs"
    directory.mkdir()
    (directory / "0badc0de.0").write_bytes((TLS_DATA / "server.pem").read_bytes())
    system_store(TLS_DATA / "ca.pem", directory)
    assert chat(tls_server).prompt("one").text() == "ok"
    assert chat(tls_server).prompt("two").text() == "ok"
    assert len(count_tls_contexts) == 2  # the directory alone, then file and directory
    assert transport.tls_context().cert_store_stats()["x509_ca"] == 1


def test_neither_verifies(tls_server, system_store, count_tls_contexts):
    system_store(TLS_DATA / "server.pem", TLS_DATA / "capath" / "missing")
    with pytest.raises(llm.ModelError, match="CERTIFICATE_VERIFY_FAILED"):
        chat(tls_server).prompt("hi").text()


# -- proxies -----------------------------------------------------------------------


def test_https_through_a_connect_proxy(tls_server, http_proxy, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS_DATA / "ca.pem"))
    monkeypatch.setenv("HTTPS_PROXY", http_proxy.url.replace("http://", "http://user:p%40ss@"))
    tls_server.reply(["through", " the tunnel"])
    assert chat(tls_server).prompt("hi").text() == "through the tunnel"
    [(line, authorization)] = http_proxy.seen
    assert line.startswith(f"CONNECT {tls_server.host} HTTP/1.")
    assert authorization == "Basic dXNlcjpwQHNz"
    assert tls_server.requests[0].path == "/v1/chat/completions"
    assert tls_server.requests[0].header("Proxy-Authorization") is None


def test_http_through_a_forwarding_proxy(openai_server, http_proxy, monkeypatch):
    monkeypatch.setenv("http_proxy", http_proxy.url.replace("http://", "http://me:pw@"))
    assert chat(openai_server).prompt("hi", stream=False).text() == "ok"
    assert http_proxy.seen == [
        (f"POST http://{openai_server.host}/v1/chat/completions HTTP/1.1", "Basic bWU6cHc=")]
    assert openai_server.requests[0].path == "/v1/chat/completions"


def test_no_proxy_goes_direct(openai_server, http_proxy, monkeypatch):
    monkeypatch.setenv("ALL_PROXY", http_proxy.url)
    monkeypatch.setenv("NO_PROXY", "example.com, 127.0.0.1")
    assert chat(openai_server).prompt("hi").text() == "ok"
    assert http_proxy.seen == []


def test_a_proxy_our_client_cannot_use_is_left_to_the_sdk(openai_server, monkeypatch):
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    assert api.open_client(key="k", api_base=openai_server.url) is None
    assert chat(openai_server)._api_client(None) is None
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert chat(openai_server)._api_client(None) is not None


@pytest.mark.parametrize("environment", [
    {"HTTPS_PROXY": "http://proxy:3128"},
    {"HTTP_PROXY": "proxy:3128"},
    {"ALL_PROXY": "http://proxy:3128"},
    {"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"},
    {"HTTPS_PROXY": "http://upper:2", "https_proxy": ""},
    {"HTTP_PROXY": "http://proxy:3128", "REQUEST_METHOD": "GET"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "*"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "example.com"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": ".example.com"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "*.example.com"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "ample.com"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "localhost,127.0.0.1"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "10.0.0.0/8"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "::1"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "http://example.com"},
    {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": "https://api.example.com:8443"},
])
@pytest.mark.parametrize("url", [
    "https://example.com/v1", "http://example.com/v1", "https://api.example.com/v1",
    "https://api.example.com:8443/v1", "https://notexample.com/v1", "http://localhost:8080/v1",
    "http://127.0.0.1:8080/v1", "https://10.1.2.3/v1", "http://[::1]:8080/v1",
])
def test_proxy_settings_are_read_as_the_sdk_reads_them(monkeypatch, environment, url):
    from httpx2 import URL
    from httpx2._utils import URLPattern, get_environment_proxies

    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    mounts = sorted((URLPattern(key), proxy) for key, proxy in get_environment_proxies().items())
    expected = next((proxy for pattern, proxy in mounts if pattern.matches(URL(url))), None)
    parts = URL(url)
    port = parts.port or {"http": 80, "https": 443}[parts.scheme]
    assert transport.proxy_url_for(parts.scheme, parts.host, port) == expected
