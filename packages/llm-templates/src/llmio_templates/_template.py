"""The ``Template`` model and variable substitution.

Substitution follows :class:`string.Template`: ``$name`` or ``${name}``, and ``$$``
for a literal dollar sign. ``$input`` is the user's input; every other variable
comes from ``-p name value`` parameters or the template's ``defaults:``.
"""

from __future__ import annotations

import string
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

__all__ = ["AttachmentType", "MissingVariables", "Template", "TemplateError"]


class TemplateError(Exception):
    """A template could not be found, parsed, validated or evaluated.

    ``str(error)`` is a one-line message suitable for ``Error: ...`` output.
    """


class MissingVariables(TemplateError):
    """Evaluating a template needs parameters that were not supplied."""

    def __init__(self, names: list[str]):
        self.names = list(names)
        label = "parameter" if len(self.names) == 1 else "parameters"
        super().__init__(f"Missing template {label}: {', '.join(self.names)}")


class AttachmentType(BaseModel):
    """An attachment with an explicit content type (``--at VALUE TYPE``)."""

    model_config = ConfigDict(extra="forbid")

    type: str
    value: str


def _placeholders(text: str) -> list[tuple[str, str | None]]:
    """``(kind, name)`` for each placeholder: kind is "name", "escaped" or "invalid"."""
    found: list[tuple[str, str | None]] = []
    for match in string.Template.pattern.finditer(text):
        name = match.group("named") or match.group("braced")
        if name is not None:
            found.append(("name", name))
        elif match.group("escaped") is not None:
            found.append(("escaped", None))
        else:
            found.append(("invalid", None))
    return found


def _variables(text: str | None) -> list[str]:
    """Variable names in ``text``, in order of first appearance."""
    names: list[str] = []
    for kind, name in _placeholders(text or ""):
        if kind == "name" and name not in names:
            names.append(name)  # type: ignore[arg-type]
    return names


def _render(text: str, params: dict[str, Any], field: str) -> str:
    try:
        return string.Template(text).substitute(
            {key: "" if value is None else value for key, value in params.items()}
        )
    except ValueError as exc:
        # string.Template reports an unescaped "$" as "Invalid placeholder in string: line 1, col 7"
        detail = str(exc).replace("Invalid placeholder in string", "invalid placeholder")
        raise TemplateError(
            f"Template {field} has a '$' that is not a variable ({detail}); write $$ for a literal $"
        ) from None


class Template(BaseModel):
    """A reusable prompt: the YAML keys of a template file, plus its ``name``.

    Unknown keys are rejected so a typo in a YAML file is reported, not ignored.
    """

    model_config = ConfigDict(extra="forbid")

    MissingVariables: ClassVar[type] = MissingVariables

    name: str | None = None
    prompt: str | None = None
    system: str | None = None
    model: str | None = None
    defaults: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    extract: bool | None = None
    extract_last: bool | None = None
    schema_object: dict[str, Any] | None = None
    attachments: list[str] | None = None
    attachment_types: list[AttachmentType] | None = None
    fragments: list[str] | None = None
    system_fragments: list[str] | None = None
    tools: list[str] | None = None
    functions: str | None = None

    # Set by whoever loaded the template (see _trust.py), never by its YAML.
    _trusted: bool = PrivateAttr(default=True)
    _origin: str | None = PrivateAttr(default=None)

    @property
    def trusted(self) -> bool:
        """False for templates fetched from a URL or returned by a template loader:
        they never run ``functions:``, read local files or turn tools on by themselves."""
        return self._trusted

    @property
    def origin(self) -> str | None:
        """Where an untrusted template came from (its URL, or ``prefix:name``)."""
        return self._origin

    def mark_untrusted(self, origin: str) -> Template:
        """Record that this template's text is not the user's own; returns it."""
        self._trusted = False
        self._origin = origin
        return self

    @classmethod
    def from_dict(cls, data: dict[str, Any], name: str | None = None) -> Template:
        """Validate ``data`` (a parsed YAML mapping), raising a one-line TemplateError."""
        data = dict(data)
        if name is not None:
            data["name"] = name
        try:
            return cls(**data)
        except ValidationError as exc:
            raise TemplateError(_describe_validation_error(exc, data.get("name"))) from None
        except TypeError as exc:  # non-string keys, e.g. "1: foo"
            raise TemplateError(f"Invalid template{_label(data.get('name'))}: {exc}") from None

    def vars(self) -> set:
        """Names of the variables used by the prompt and the system prompt."""
        return set(_variables(self.prompt)) | set(_variables(self.system))

    def uses_input(self) -> bool:
        """True when evaluating this template consumes the user's input.

        That is when ``$input`` appears in it, or when it has no prompt of its own
        (the input then becomes the prompt). A template that uses no input can be
        run without reading standard input; an input given anyway is appended.
        """
        return "input" in self.vars() or not self.prompt

    def evaluate(
        self, input: str | None, params: dict[str, Any] | None = None
    ) -> tuple[str | None, str | None]:
        """Return ``(prompt, system)`` with variables substituted.

        ``params`` override ``defaults``; ``$input`` is always ``input`` (``""`` when None).
        A template without a prompt uses ``input`` as the prompt. A template whose
        prompt and system do not mention ``$input`` gets a non-empty ``input``
        appended to its prompt on a new line.
        """
        values: dict[str, Any] = dict(self.defaults or {})
        values.update(params or {})
        values["input"] = input if input is not None else ""
        missing = [name for name in self._ordered_vars() if name not in values]
        if missing:
            raise MissingVariables(missing)
        system = _render(self.system, values, "system") if self.system else self.system
        if not self.prompt:
            return input, system
        prompt = _render(self.prompt, values, "prompt")
        if input and "input" not in self.vars():
            prompt = f"{prompt}\n{input}"
        return prompt, system

    @classmethod
    def interpolate(cls, text: str | None, params: dict[str, Any]) -> str | None:
        """Substitute ``params`` into ``text``; MissingVariables names what is absent."""
        if not text:
            return text
        missing = [name for name in _variables(text) if name not in params]
        if missing:
            raise MissingVariables(missing)
        return _render(text, params, "text")

    def _ordered_vars(self) -> list[str]:
        names = _variables(self.system)
        names += [name for name in _variables(self.prompt) if name not in names]
        return names

    def to_dict(self) -> dict[str, Any]:
        """The keys a YAML file for this template holds (set values only, no ``name``)."""
        return self.model_dump(exclude={"name"}, exclude_none=True)


def _label(name: str | None) -> str:
    return f" '{name}'" if name else ""


def _describe_validation_error(exc: ValidationError, name: str | None) -> str:
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()))
        if error.get("type") == "extra_forbidden":
            problems.append(f"unknown key '{location}'")
        else:
            problems.append(f"{location}: {error.get('msg', 'invalid value')}")
    return f"Invalid template{_label(name)}: " + "; ".join(problems)
