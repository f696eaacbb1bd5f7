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
        hide_reasoning: bool = False,
    ) -> None:
        from .schemas import to_json_schema
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
        self.schema = to_json_schema(schema)
        #: Tools as ``llm.Tool`` objects (functions and toolboxes expanded).
        self.tools = expand_tools(list(tools or []))
        self.tool_results = list(tool_results or [])
        # The ``messages=`` the prompt was built from, if any (else built from its fields).
        self._messages = list(messages) if messages is not None else None
        # The conversation's earlier responses when the prompt was made in one: their
        # messages are built on first use, so plugins that never ask pay nothing.
        self._earlier: list[Any] = []
        self._history_cache: Optional[list[Any]] = None
        #: The caller asked not to be shown reasoning (models may skip requesting it).
        self.hide_reasoning = hide_reasoning

    @property
    def _history(self) -> list[Any]:
        if self._history_cache is None:
            from .history import history_messages

            self._history_cache = history_messages(self._earlier)
        return self._history_cache

    @property
    def messages(self) -> list[Any]:
        """The whole input as ``llm.parts.Message`` objects: the conversation so far
        (see :mod:`llm.history`), then this turn — the ``messages=`` given, or one
        built from the system prompt, tool results, prompt text and attachments."""
        from .history import turn_messages, with_system

        if self._messages is not None:
            return self._history + self._messages
        return self._history + with_system(self.system, self._history, turn_messages(self))

    @messages.setter
    def messages(self, messages: Optional[Sequence[Any]]) -> None:
        self._messages = list(messages) if messages is not None else None

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
