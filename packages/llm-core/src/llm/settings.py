"""User settings: ``settings.json`` in the user directory, each one overridable by
an ``LLM_<NAME>`` environment variable (the variable wins).

Every setting is declared once, with its type, default and a line of help, so
``llm settings`` can list them all and a bad value is refused when it is set,
not when it is used. First-party settings are declared here; a plugin declares
its own with :func:`define_setting` and reads it with :func:`get_setting`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from .errors import ConfigError

__all__ = [
    "Setting",
    "define_setting",
    "get_setting",
    "list_settings",
    "set_setting",
    "setting_source",
    "settings_path",
    "unset_setting",
]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Setting:
    """One setting: ``kind`` is ``int``, ``float``, ``bool``, ``str`` or ``list``
    (a list of strings; on the command line and in the environment, comma-separated)."""

    name: str
    kind: type
    default: Any
    help: str
    minimum: Optional[float] = None
    choices: Optional[tuple[str, ...]] = None
    check: Optional[Callable[[Any], Optional[str]]] = None
    #: What a valid value is, in words (default: from ``kind`` and ``minimum``).
    expected: Optional[str] = None

    @property
    def env(self) -> str:
        return "LLM_" + self.name.upper()

    def parse(self, value: Any, where: str) -> Any:
        """``value`` (text from the command line or the environment, or JSON from the
        file) as this setting's type; ConfigError saying what is expected."""
        try:
            parsed = self._convert(value)
            problem = self._problem(parsed)
        except (TypeError, ValueError):
            problem = f"must be {self._expected()}"
        if problem:
            raise ConfigError(f"{where} {problem}, not {value!r}")
        return parsed

    def _convert(self, value: Any) -> Any:
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError(value)
        if self.kind is list:
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return [v.strip() for v in value if v.strip()]
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            raise TypeError(value)
        if self.kind in (int, float):
            if isinstance(value, bool):
                raise TypeError(value)
            number = self.kind(value)
            if self.kind is float and number != number:  # NaN
                raise ValueError(value)
            return number
        if not isinstance(value, str):
            raise TypeError(value)
        return value

    def _problem(self, value: Any) -> Optional[str]:
        if self.minimum is not None and value < self.minimum:
            return f"must be {self._expected()}"
        if self.choices is not None and value not in self.choices:
            return "must be one of " + ", ".join(self.choices)
        if self.check is not None:
            return self.check(value)
        return None

    def _expected(self) -> str:
        if self.expected:
            return self.expected
        if self.minimum is not None:
            return f"a number of at least {self.minimum:g}"
        return {
            bool: "true or false",
            int: "a whole number",
            float: "a number",
            list: "a comma-separated list",
        }.get(self.kind, "text")


_SETTINGS: dict[str, Setting] = {}


def define_setting(name: str, kind: type, default: Any, help: str, **options: Any) -> Setting:
    """Declare a setting (first-party packages and plugins); returns it.

    Declaring the same name again with the same definition is harmless."""
    if not name.replace("_", "").isalnum() or name != name.lower():
        raise ValueError(f"Setting names are lower_snake_case: {name!r}")
    setting = Setting(name, kind, default, help, **options)
    existing = _SETTINGS.get(name)
    if existing is not None and existing != setting:
        raise ValueError(f"Setting {name!r} is already defined differently")
    _SETTINGS[name] = setting
    return setting


def _setting(name: str) -> Setting:
    try:
        return _SETTINGS[name]
    except KeyError:
        known = ", ".join(sorted(_SETTINGS))
        raise ConfigError(f"Unknown setting: {name} (known settings: {known})") from None


def settings_path() -> Path:
    from .config import user_dir

    return user_dir() / "settings.json"


def _stored() -> dict[str, Any]:
    from .config import read_json_object

    return read_json_object(settings_path())


def get_setting(name: str) -> Any:
    """The value in force: ``LLM_<NAME>`` if set, else settings.json, else the default."""
    setting = _setting(name)
    raw = os.environ.get(setting.env)
    if raw is not None and raw.strip() != "":
        return setting.parse(raw, setting.env)
    stored = _stored()
    if name in stored:
        return setting.parse(stored[name], f"{settings_path()}: {name}")
    return setting.default


def setting_source(name: str) -> str:
    """Where the value in force comes from: ``environment``, ``settings.json`` or ``default``."""
    setting = _setting(name)
    raw = os.environ.get(setting.env)
    if raw is not None and raw.strip() != "":
        return "environment"
    return "settings.json" if name in _stored() else "default"


def set_setting(name: str, value: Any) -> Any:
    """Check and store a value in settings.json (written atomically, 0600); returns it."""
    from .config import write_atomic
    from .files import locked

    setting = _setting(name)
    parsed = setting.parse(value, name)
    path = settings_path()
    with locked(path.parent):
        stored = _stored()
        stored[name] = parsed
        write_atomic(path, json.dumps(stored, indent=2) + "\n", mode=0o600)
    return parsed


def unset_setting(name: str) -> bool:
    """Remove a value from settings.json (the default applies again); False if it was not set."""
    from .config import write_atomic
    from .files import locked

    _setting(name)
    path = settings_path()
    with locked(path.parent):
        stored = _stored()
        if name not in stored:
            return False
        del stored[name]
        write_atomic(path, json.dumps(stored, indent=2) + "\n", mode=0o600)
    return True


def list_settings() -> list[tuple[Setting, Any, str]]:
    """Every declared setting with its value in force and where that comes from, by name."""
    return [(s, get_setting(s.name), setting_source(s.name)) for s in sorted(
        _SETTINGS.values(), key=lambda s: s.name)]


# -- first-party settings ------------------------------------------------------------

from .urls import DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT  # noqa: E402

define_setting("fetch_max_bytes", int, DEFAULT_MAX_BYTES,
               "Largest body read from a URL (templates, fragments, attachments), in bytes",
               minimum=1, expected="a whole number of bytes above 0")
define_setting("fetch_timeout", float, DEFAULT_TIMEOUT,
               "Seconds a URL fetch may take in all, redirects included",
               minimum=0.001, expected="a number of seconds above 0")
define_setting("fetch_connect_timeout", float, DEFAULT_CONNECT_TIMEOUT,
               "Seconds to wait for each connection when fetching a URL",
               minimum=0.001, expected="a number of seconds above 0")
