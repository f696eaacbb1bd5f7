"""The Prompt: everything a model's ``execute()`` is asked to answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence

from .attachments import Attachment

if TYPE_CHECKING:
    from .models import _BaseModel


def _join(fragments: Sequence[str], text: Optional[str]) -> str:
    pieces = [str(f) for f in fragments if f]
    if text:
        pieces.append(text)
    return "\n".join(pieces)


class Prompt:
    def __init__(
        self,
        prompt: Optional[str],
        model: "_BaseModel",
        *,
        fragments: Optional[Sequence[str]] = None,
        attachments: Optional[Sequence[Attachment]] = None,
        system: Optional[str] = None,
        system_fragments: Optional[Sequence[str]] = None,
        prompt_json: Optional[Any] = None,
        options: Any = None,
        schema: Any = None,
        tools: Optional[Sequence[Any]] = None,
        tool_results: Optional[Sequence[Any]] = None,
        messages: Optional[Sequence[Any]] = None,
    ) -> None:
        from .schemas import resolve_schema
        from .tools import expand_tools

        self._prompt = prompt
        self.model = model
        self.fragments = list(fragments or [])
        self.attachments = list(attachments or [])
        self._system = system
        self.system_fragments = list(system_fragments or [])
        self.prompt_json = prompt_json
        if options is None or isinstance(options, dict):
            options = model.Options(**(options or {}))
        self.options = options
        self.schema = resolve_schema(schema)
        #: Tools as ``llm.Tool`` objects (functions and toolboxes expanded).
        self.tools = expand_tools(list(tools or []))
        self.tool_results = list(tool_results or [])
        #: The ``messages=`` the prompt was built from, if any.
        self.messages = list(messages or [])

    @property
    def prompt(self) -> str:
        """The prompt text with any fragments placed before it ("" when there is none)."""
        return _join(self.fragments, self._prompt)

    @property
    def system(self) -> str:
        """The system prompt with any system fragments before it ("" when there is none)."""
        return _join(self.system_fragments, self._system)

    def __repr__(self) -> str:
        return f"Prompt({self.prompt!r})"

    def __str__(self) -> str:
        return self.prompt or ""
