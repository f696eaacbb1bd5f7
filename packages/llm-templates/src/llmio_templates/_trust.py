"""What a template that is not the user's own may ask for.

A template the user wrote (typed on the command line, saved in the templates
directory, or a YAML file they named) is trusted. One fetched from a URL or
returned by a plugin's template loader (``prefix:name``, whose text comes from
somewhere else, e.g. a GitHub repository) is not: whoever wrote it is not the
user. :func:`load_template` marks such templates (``template.trusted`` is
False, ``template.origin`` says where they came from); the YAML cannot.

An untrusted template:

- never runs ``functions:`` (Python code);
- never names local files (or fragments stored in logs.db) as fragments or
  attachments: only URLs, and fragment loaders (``prefix:argument``) whose
  argument is not an existing local path;
- never switches tools on by itself: :func:`tools_needing_approval` lists the
  tools it asks for that the user did not also give with ``-T``, and the CLI
  then asks before every tool call (``--ta``).
"""

from __future__ import annotations

import os
from collections.abc import Container, Iterable, Sequence
from typing import TYPE_CHECKING

from ._template import TemplateError

if TYPE_CHECKING:  # pragma: no cover
    from ._template import Template

__all__ = [
    "UntrustedTemplateError",
    "check_trust",
    "tools_needing_approval",
    "untrusted_tools_notice",
]

_FIX = (
    "if you have read it and trust it, save it as a local template "
    "(in the directory 'llm templates path' shows) and use it by name"
)


class UntrustedTemplateError(TemplateError):
    """An untrusted template asked for something only the user's own templates may do."""


def _label(template: Template) -> str:
    origin = template.origin or template.name or "template"
    kind = "from a URL" if origin.lower().startswith(("http://", "https://")) else (
        "from a template loader")
    return f"Template {origin} ({kind})"


def _is_url(value: str) -> bool:
    return value[:8].lower().startswith(("http://", "https://"))


def _names_local_path(value: str) -> bool:
    try:
        return bool(value.strip()) and os.path.exists(os.path.expanduser(value))
    except (OSError, ValueError):
        return True  # cannot tell: err on the safe side


def _fragment_allowed(value: str, fragment_loaders: Container[str]) -> bool:
    if _is_url(value):
        return True
    prefix, colon, argument = value.partition(":")
    return bool(colon) and prefix in fragment_loaders and not _names_local_path(argument)


def check_trust(template: Template, fragment_loaders: Container[str] = ()) -> None:
    """Raise :class:`UntrustedTemplateError` if an untrusted template asks for code,
    local files or stored fragments. Trusted templates pass unchecked.

    ``fragment_loaders`` holds the prefixes plugins registered
    (``llm.get_fragment_loaders()``); other ``prefix:`` values are refused.
    """
    if template.trusted:
        return
    if template.functions:
        raise UntrustedTemplateError(
            f"{_label(template)} defines functions, and code from there is never run: {_FIX}"
        )
    for key in ("fragments", "system_fragments"):
        for value in getattr(template, key) or []:
            if not _fragment_allowed(value, fragment_loaders):
                raise UntrustedTemplateError(
                    f"{_label(template)} may only use URLs and fragment loaders as {key}, "
                    f"not {value!r}: {_FIX}"
                )
    values = list(template.attachments or [])
    values += [item.value for item in template.attachment_types or []]
    for value in values:
        if not _is_url(value):
            raise UntrustedTemplateError(
                f"{_label(template)} may only attach URLs, not {value!r}: {_FIX}"
            )


def _normal(spec: str) -> str:
    return "".join(spec.split())


def tools_needing_approval(template: Template, given: Iterable[str] = ()) -> Sequence[str]:
    """The tools an untrusted template asks for that the user did not also give
    (``-T``, compared as written, spaces aside). Empty for a trusted template."""
    if template.trusted or not template.tools:
        return []
    allowed = {_normal(spec) for spec in given}
    return [spec for spec in template.tools if _normal(spec) not in allowed]


def untrusted_tools_notice(template: Template, tools: Sequence[str]) -> str:
    """One line telling the user why every tool call will be asked about."""
    names = ", ".join(tools)
    return (f"{_label(template)} turns on tools ({names}): every tool call needs your approval; "
            "give them with -T to allow them without asking")
