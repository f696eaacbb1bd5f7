"""Fixtures for the reliability tests (helpers live in ``reliability/helpers.py``).

Every test gets a fresh user directory (``LLM_USER_PATH``), a running
:class:`support.openai_server.OpenAIServer` and an ``extra-openai-models.yaml``
that points the model ``srv`` at it, its key stored in ``keys.json`` as ``srv``.
"""

from __future__ import annotations

import pytest
from reliability.helpers import Immutable, LLMRunner
from support.openai_server import OpenAIServer


@pytest.fixture
def server():
    srv = OpenAIServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def llm(tmp_path, server):
    runner = LLMRunner(tmp_path / "llm-user", server, tmp_path)
    runner.configure()
    return runner


@pytest.fixture
def make_unwritable():
    helper = Immutable()
    try:
        yield helper
    finally:
        helper.undo()
