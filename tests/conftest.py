"""Shared fixtures: an isolated user directory per test and fixture models.

Third-party plugins installed in the test environment (llm-markov, llm-echo)
are not loaded unless a test asks for them: ``LLM_LOAD_PLUGINS`` is set to ''
for every test.
"""

from __future__ import annotations

import os

import pytest

# Set before collection: a test module that builds the CLI at import time
# loads plugins then, and they stay loaded for the whole run.
os.environ["LLM_LOAD_PLUGINS"] = ""

from support.fixtures import FixturePlugin
from support.leaks import leaked


@pytest.fixture(scope="session", autouse=True)
def test_key_only_in_keys_json(tmp_path_factory):
    """After the whole run: ``grep -r TEST_KEY`` over the run's temporary
    directories (user directories, logs.db, recovery files, outputs of the
    ``llm`` processes) finds it only in files named keys.json."""
    yield
    base = tmp_path_factory.getbasetemp()
    found = leaked(base)
    assert not found, f"the test key leaked into: {[str(p.relative_to(base)) for p in found]}"


@pytest.fixture(autouse=True)
def user_path(tmp_path, monkeypatch):
    path = tmp_path / "llm-user"
    path.mkdir()
    monkeypatch.setenv("LLM_USER_PATH", str(path))
    monkeypatch.setenv("LLM_LOAD_PLUGINS", "")
    for var in ("LLM_MODEL", "LLM_EMBEDDING_MODEL", "OPENAI_API_KEY", "LLM_RAISE_ERRORS",
                "LLM_OPENAI_SHOW_RESPONSES"):
        monkeypatch.delenv(var, raising=False)
    return path


@pytest.fixture
def invoke():
    """``invoke("models", "-q", "mock")`` runs ``llm models -q mock`` in-process."""
    from support.cli import invoke

    return invoke


@pytest.fixture
def fixtures():
    """Register the fixture models (mock, echo-json, keyed) for one test."""
    from llm.plugins import pm

    plugin = FixturePlugin()
    pm.register(plugin, name="llm-test-fixtures")
    try:
        yield plugin
    finally:
        pm.unregister(name="llm-test-fixtures")


@pytest.fixture
def mock_model(fixtures):
    return fixtures.mock


@pytest.fixture
def register_plugin():
    """``register_plugin(obj, name)`` registers with ``pm`` until the end of the test."""
    from llm.plugins import pm

    names = []

    def register(obj, name):
        pm.register(obj, name=name)
        names.append(name)
        return obj

    yield register
    for name in reversed(names):
        if pm.get_plugin(name) is not None:
            pm.unregister(name=name)
