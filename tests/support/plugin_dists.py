"""Plugins as users have them: installed distributions with an ``llm`` entry point.

- :func:`install_plugin` writes a minimal distribution (module + dist-info) into a
  folder put on ``sys.path``/``PYTHONPATH``, so plugin loading finds it for real.
- :func:`compat_plugins_mark` skips a module of tests when the published plugins it
  drives are not installed (``scripts/test`` installs them; with
  ``LLM_REQUIRE_COMPAT_PLUGINS`` set, as in CI, their absence is an error instead).
"""

from __future__ import annotations

import importlib.util
import os
import textwrap
from pathlib import Path
from typing import Any, Optional


def install_plugin(site: Path, dist: str, module: str, source: str, *, version: str = "0.1",
                   entry_point: Optional[str] = None) -> None:
    """``module.py`` plus ``<dist>-<version>.dist-info`` declaring it an ``llm`` entry point
    (named ``entry_point``, by default the module's name)."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[llm]\n{entry_point or module} = {module}\n")


def compat_plugins_mark(modules: dict[str, str]) -> Any:
    """A ``pytestmark`` skipping the tests when a module (name -> distribution) is missing."""
    import pytest

    missing = [dist for module, dist in modules.items() if importlib.util.find_spec(module) is None]
    if not missing:
        return []
    if os.environ.get("LLM_REQUIRE_COMPAT_PLUGINS"):
        raise RuntimeError(f"compatibility plugins not installed: {', '.join(missing)} (run scripts/test)")
    return pytest.mark.skip(reason=f"not installed: {', '.join(missing)}; scripts/test installs them")
