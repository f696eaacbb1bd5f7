"""Finding templates: stored names, YAML files, URLs and plugin loaders."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from ._template import Template, TemplateError
from ._yaml import parse_template, template_to_yaml

__all__ = [
    "get_template_loaders",
    "list_templates",
    "load_template",
    "save_template",
    "template_path",
    "validate_name",
]

TemplateLoader = Callable[[str], Template]

MAX_URL_BYTES = 5 * 1024 * 1024

# Separators, drive letters and control characters could point outside the templates directory.
_FORBIDDEN = re.compile(r"[/\\:\x00-\x1f\x7f]")


def _templates_dir() -> Path:
    import llm

    return Path(llm.templates_path())


def validate_name(name: str) -> str:
    """Return ``name`` if it is a safe stored-template name, else raise TemplateError."""
    if not isinstance(name, str) or not name.strip():
        raise TemplateError("Template name cannot be empty")
    if _FORBIDDEN.search(name) or name.startswith(".") or name != name.strip():
        raise TemplateError(
            f"Invalid template name {name!r}: use a name without path separators, ':' "
            "or a leading '.'"
        )
    return name


def template_path(name: str) -> Path:
    """Where the stored template ``name`` lives (``<templates_path>/<name>.yaml``)."""
    validate_name(name)
    directory = _templates_dir()
    path = directory / f"{name}.yaml"
    if Path(os.path.abspath(path)).parent != Path(os.path.abspath(directory)):
        raise TemplateError(f"Invalid template name {name!r}")
    return path


def save_template(name: str, template: Template) -> Path:
    """Write ``template`` as ``<name>.yaml`` (atomically) and return its path."""
    path = template_path(name)
    text = template_to_yaml(template)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fp:
            fp.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def get_template_loaders() -> dict[str, TemplateLoader]:
    """Prefix -> loader for every ``register_template_loaders`` plugin hook.

    A prefix registered twice keeps the first loader; later ones become
    ``prefix_1``, ``prefix_2``... so no plugin silently replaces another.
    """
    from llm.plugins import call_hook

    loaders: dict[str, TemplateLoader] = {}

    def register(prefix: str, loader: TemplateLoader) -> None:
        key, suffix = prefix, 0
        while key in loaders:
            suffix += 1
            key = f"{prefix}_{suffix}"
        loaders[key] = loader

    call_hook("register_template_loaders", register=register)
    return loaders


def _load_file(path: Path, name: str) -> Template:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise TemplateError(f"Template '{name}' is not UTF-8 text: {path}") from None
    except OSError as exc:
        raise TemplateError(f"Could not read template '{name}': {exc.strerror or exc}") from None
    return parse_template(text, name=name)


def _load_url(url: str) -> Template:
    from llm.urls import FetchError, FetchLimits, fetch_url, redact_url

    cap = min(MAX_URL_BYTES, FetchLimits.from_environment().max_bytes)
    try:
        body = fetch_url(url, what="template", max_bytes=cap).body
    except FetchError as exc:
        raise TemplateError(str(exc)) from None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise TemplateError(f"Template at {redact_url(url)} is not UTF-8 text") from None
    return parse_template(text, name=redact_url(url)).mark_untrusted(redact_url(url))


def _load_with_loader(reference: str, loader: TemplateLoader, prefix: str) -> Template:
    rest = reference.split(":", 1)[1]
    try:
        template = loader(rest)
    except TemplateError:
        raise
    except Exception as exc:  # noqa: BLE001 - any plugin failure becomes one line
        message = str(exc).strip() or type(exc).__name__
        raise TemplateError(f"Could not load template '{reference}': {message}") from None
    if not isinstance(template, Template):
        raise TemplateError(
            f"Template loader '{prefix}' returned {type(template).__name__}, not a Template"
        )
    if template.name is None:
        template = template.model_copy(update={"name": reference})
    else:
        template = template.model_copy()  # the loader's own object stays as it was
    return template.mark_untrusted(reference)


def load_template(name_or_path_or_url: str) -> Template:
    """Resolve a ``-t`` reference to a Template.

    Tried in order: a stored template name; an existing ``.yaml``/``.yml`` file;
    an ``http(s)://`` URL; ``prefix:rest`` handled by a plugin's template loader.
    Templates from a URL or a loader come back untrusted (``template.trusted``
    is False): see :func:`check_trust` before acting on them.
    """
    reference = name_or_path_or_url
    try:
        stored = template_path(reference)
    except TemplateError:
        stored = None
    if stored is not None and stored.is_file():
        return _load_file(stored, reference)

    lowered = reference.lower()
    is_url = lowered.startswith(("http://", "https://"))
    looks_like_file = lowered.endswith((".yaml", ".yml")) and not is_url
    if looks_like_file:
        path = Path(reference).expanduser()
        if path.is_file():
            return _load_file(path, path.stem)

    if is_url:
        return _load_url(reference)

    prefix = reference.split(":", 1)[0] if ":" in reference else None
    if prefix:
        loaders = get_template_loaders()
        if prefix in loaders:
            return _load_with_loader(reference, loaders[prefix], prefix)
    if looks_like_file:
        raise TemplateError(f"Template file not found: {reference}")
    if prefix is not None:
        raise TemplateError(
            f"Unknown template: {reference} (no template loader for prefix '{prefix}')"
        )
    if stored is None:
        validate_name(reference)  # raises the explanation
    raise TemplateError(f"Unknown template: {reference}")


def list_templates() -> list[tuple[str, Template | TemplateError]]:
    """``(name, Template or the TemplateError it raised)`` for every stored template, by name."""
    directory = _templates_dir()
    results: list[tuple[str, Template | TemplateError]] = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith(".") or not path.is_file():
            continue
        name = path.stem
        try:
            results.append((name, _load_file(path, name)))
        except TemplateError as exc:
            results.append((name, exc))
    return results
