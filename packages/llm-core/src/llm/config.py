"""The user directory and the small files in it: keys, aliases, defaults.

Every file keeps the name and format earlier llm releases used, so an
existing user directory is picked up as it is (DESIGN §5).
"""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

from .errors import ConfigError
from .files import locked, make_private_dir

APP_NAME = "io.datasette.llm"
DEFAULT_MODEL = "gpt-4o-mini"


def _app_dir() -> Path:
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    if sys.platform.startswith("win"):
        base = os.environ.get("APPDATA") or (Path.home() / "AppData" / "Roaming")
        return Path(base) / APP_NAME
    base = os.environ.get("XDG_CONFIG_HOME") or (Path.home() / ".config")
    return Path(base) / APP_NAME


def user_dir() -> Path:
    """The directory holding keys, logs and templates, created if missing."""
    env = os.environ.get("LLM_USER_PATH")
    path = Path(env) if env else _app_dir()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{path}: LLM_USER_PATH points at a file, not a directory")
    try:
        make_private_dir(path)  # it will hold keys, prompts and answers
    except OSError as exc:
        raise ConfigError(f"{path}: cannot create the user directory: {exc.strerror or exc}") from exc
    return path


def write_atomic(path: Path, text: str, mode: Optional[int] = None) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new file, never half.

    The new file gets ``mode`` if given, else the mode of the file it replaces,
    else 0600 (new files in the user directory are private).
    """
    if mode is None:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = None  # mkstemp's 0600
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fp:
            fp.write(text)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_json_object(path: Path) -> dict[str, Any]:
    """Read a JSON object file; missing → {}; malformed → ConfigError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from exc
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


# -- keys -----------------------------------------------------------------


def keys_path() -> Path:
    return user_dir() / "keys.json"


def load_keys(path: Optional[Path] = None) -> dict[str, str]:
    """keys.json as a dict; ConfigError naming the file if it is malformed or a
    value is not a string (a key is never handed out as something else)."""
    path = path or keys_path()
    data = read_json_object(path)
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    if bad:
        raise ConfigError(f"{path}: the value of '{bad[0]}' is not a string")
    return data


def set_key(name: str, value: str) -> None:
    """Store a key in keys.json (mode 600, replaced atomically).

    The read-modify-write runs under a lock, so two processes setting keys at
    once both keep their key. A keys.json that is a symlink is written where it
    points (the link stays a link). A keys.json that cannot be parsed is never
    overwritten: that would lose keys.
    """
    if not isinstance(value, str):
        raise ConfigError(f"The value of key '{name}' must be a string")
    path = Path(os.path.realpath(keys_path()))
    with locked(path.parent):  # the directory: no lock file beside the keys
        keys = load_keys(path)
        keys.setdefault("// Note", "This file stores secret API credentials. Do not share!")
        keys[name] = value
        write_atomic(path, json.dumps(keys, indent=2) + "\n", mode=0o600)


def get_key(
    explicit_key: Optional[str] = None,
    key_alias: Optional[str] = None,
    env_var: Optional[str] = None,
    *,
    input: Optional[str] = None,
    alias: Optional[str] = None,
    env: Optional[str] = None,
) -> Optional[str]:
    """Resolve an API key.

    Order: an explicit key (literal, or the name of a stored key), then the
    stored key ``key_alias``, then the environment variable ``env_var``.
    """
    explicit_key = explicit_key or input
    key_alias = key_alias or alias
    env_var = env_var or env
    stored: Optional[dict[str, str]] = None

    def keys() -> dict[str, str]:
        nonlocal stored
        if stored is None:
            stored = load_keys()
        return stored

    if explicit_key:
        return keys().get(explicit_key, explicit_key)
    if key_alias and key_alias in keys():
        return keys()[key_alias]
    if env_var and os.environ.get(env_var):
        return os.environ[env_var]
    return None


def resolve_key_for(owner: Any, explicit_key: Optional[str] = None) -> Optional[str]:
    """The key a model (or embedding model) should use, or NeedsKeyError saying how to set one.

    Order: an explicit key (literal or stored name), ``owner.key``, keys.json
    under ``owner.needs_key``, then the ``owner.key_env_var`` environment variable.
    """
    from .errors import NeedsKeyError

    if not owner.needs_key:
        return None
    if explicit_key:
        return get_key(explicit_key)
    if owner.key:
        return owner.key
    found = get_key(None, owner.needs_key, owner.key_env_var)
    if found:
        return found
    message = f"No key found - add one using 'llm keys set {owner.needs_key}'"
    if owner.key_env_var:
        message += f" or set the {owner.key_env_var} environment variable"
    raise NeedsKeyError(message)


# -- aliases --------------------------------------------------------------


def aliases_path() -> Path:
    return user_dir() / "aliases.json"


def load_aliases() -> dict[str, str]:
    """User aliases from aliases.json; ConfigError naming the file if it is malformed."""
    try:
        path = aliases_path()
    except ConfigError:
        return {}  # the user directory itself is unusable: reported by what needs it
    data = read_json_object(path)
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    if bad:
        raise ConfigError(f"{path}: the value of '{bad[0]}' is not a string (a model ID)")
    return data


def _write_aliases(aliases: dict[str, str]) -> None:
    write_atomic(aliases_path(), json.dumps(aliases, indent=4) + "\n")


def set_alias(alias: str, model_id_or_alias: str) -> None:
    """Point ``alias`` at a model; the target may itself be an alias, which is resolved.

    A missing or invalid aliases.json is created or overwritten (as documented).
    """
    from .registry import resolve_model_id

    model_id = resolve_model_id(model_id_or_alias)
    try:
        current = load_aliases()
    except ConfigError:
        try:  # keep the usable entries of a wrongly shaped file
            current = {k: v for k, v in read_json_object(aliases_path()).items()
                       if isinstance(v, str)}
        except ConfigError:
            current = {}
    current[alias] = model_id
    _write_aliases(current)


def remove_alias(alias: str) -> None:
    """Remove an alias from aliases.json; KeyError if it is not there."""
    try:
        current = load_aliases()
    except ConfigError as exc:
        raise KeyError("No such alias: {}".format(alias)) from exc
    if alias not in current:
        raise KeyError("No such alias: {}".format(alias))
    del current[alias]
    _write_aliases(current)


# -- defaults -------------------------------------------------------------


def _read_setting(filename: str) -> Optional[str]:
    path = user_dir() / filename
    try:
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from exc
    return value or None


def _write_setting(filename: str, value: Optional[str]) -> None:
    path = user_dir() / filename
    if value is None:
        path.unlink(missing_ok=True)
    else:
        write_atomic(path, value)


def get_default_model(filename: str = "default_model.txt", default: Optional[str] = DEFAULT_MODEL) -> Optional[str]:
    return _read_setting(filename) or default


def set_default_model(model: Optional[str], filename: str = "default_model.txt") -> None:
    _write_setting(filename, model)


def get_default_embedding_model(default: Optional[str] = None) -> Optional[str]:
    return get_default_model("default_embedding_model.txt", default)


def set_default_embedding_model(model: Optional[str]) -> None:
    set_default_model(model, "default_embedding_model.txt")


# -- logs and templates ---------------------------------------------------


def logs_db_path() -> Path:
    return user_dir() / "logs.db"


def logs_on() -> bool:
    """False when the user ran ``llm logs off`` (a ``logs-off`` file exists)."""
    return not (user_dir() / "logs-off").exists()


def set_logs_on(on: bool) -> None:
    """Turn logging of every prompt on or off (``llm logs on`` / ``llm logs off``)."""
    flag = user_dir() / "logs-off"
    if on:
        flag.unlink(missing_ok=True)
    else:
        flag.touch()


def templates_path() -> Path:
    path = user_dir() / "templates"
    path.mkdir(exist_ok=True)
    return path
