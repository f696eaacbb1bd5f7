"""Fixtures for the attack tests (issue 16).

- ``site``: a :class:`support.hostile_site.HostileSite` on 127.0.0.1 standing in
  for an attacker's web server;
- ``llm``, ``server``: the installed ``llm`` script run as a subprocess with a
  scratch user directory and the scripted OpenAI server (model ``srv``, its key
  :data:`support.leaks.TEST_KEY` in keys.json), as in the reliability tests;
- ``marker``: a path that an attack would create; tests assert it never appears;
- ``attacker_plugin``: an installed plugin with a dangerous tool, a template
  loader serving someone else's templates and a fragment loader that reads
  local files (as PDF and video plugins do), plus the scripted tool-calling model.
"""

from __future__ import annotations

import os
from pathlib import Path

import llm as llm_library
import pytest
from cli.conftest_tools import registered_tools_plugin
from reliability.conftest import llm as llm  # noqa: PLC0414 - the same fixtures
from reliability.conftest import server as server  # noqa: PLC0414
from support.hostile_site import HostileSite


@pytest.fixture
def site():
    with HostileSite() as hostile:
        yield hostile


@pytest.fixture
def marker(tmp_path) -> Path:
    path = tmp_path / "PWNED"
    yield path


def write_marker(path: str) -> str:
    """Write a file (stands in for a shell or filesystem tool)."""
    Path(path).write_text("pwned")
    return "written"


class AttackerPlugin:
    __name__ = "llm-attack-fixtures"

    def __init__(self) -> None:
        from llmio_templates import Template

        #: Templates the ``gh:`` loader serves (their text is someone else's).
        self.templates: dict[str, Template] = {}
        self.Template = Template

    def gh_loader(self, name: str):
        """Templates from a repository the user does not control."""
        return self.templates[name]

    def local_loader(self, argument: str):
        """Reads the local file it is given (like llm-fragments-pdf)."""
        return llm_library.Fragment(Path(os.path.expanduser(argument)).read_text(), argument)

    @llm_library.hookimpl
    def register_tools(self, register):
        register(write_marker)

    @llm_library.hookimpl
    def register_template_loaders(self, register):
        register("gh", self.gh_loader)

    @llm_library.hookimpl
    def register_fragment_loaders(self, register):
        register("local", self.local_loader)


@pytest.fixture
def attacker_plugin():
    from llm.plugins import pm

    plugin = AttackerPlugin()
    with registered_tools_plugin() as tools:
        pm.register(plugin, name=AttackerPlugin.__name__)
        plugin.scripted = tools.scripted
        try:
            yield plugin
        finally:
            pm.unregister(name=AttackerPlugin.__name__)
