"""``prompt.messages``: the whole input of a prompt as messages built from parts.

Model plugins written for newer releases build their request from this one list
instead of walking ``conversation.responses``. It holds, in order: a system
message whenever the system prompt changes, and for each earlier turn its tool
results (a ``tool`` message), its user message (text, then attachments) and the
assistant message(s) the model answered with, reasoning and tool calls included,
with the provider metadata those parts carried. The current turn comes last.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from .parts import AttachmentPart, Message, TextPart, ToolResultPart


def _result_part(result: Any) -> ToolResultPart:
    exception = getattr(result, "exception", None)
    return ToolResultPart(
        result.name, result.output, getattr(result, "tool_call_id", None),
        attachments=list(getattr(result, "attachments", None) or []),
        exception=f"{exception.__class__.__name__}: {exception}" if exception else None,
    )


def turn_messages(prompt: Any) -> list[Message]:
    """One prompt's own input (no system message): tool results, then the user's message."""
    messages: list[Message] = []
    results = list(getattr(prompt, "tool_results", None) or [])
    if results:
        messages.append(Message("tool", [_result_part(r) for r in results]))
    parts: list[Any] = []
    if prompt.prompt:
        parts.append(TextPart(prompt.prompt))
    parts.extend(AttachmentPart(a) for a in getattr(prompt, "attachments", None) or [])
    if parts:
        messages.append(Message("user", parts))
    return messages


def active_system(messages: Iterable[Message]) -> Optional[str]:
    """The text of the last system message, if any."""
    system = None
    for message in messages:
        if message.role == "system":
            system = message.text
    return system


def with_system(system: Optional[str], earlier: list[Message], turn: list[Message]) -> list[Message]:
    """``turn`` preceded by a system message when ``system`` differs from the one in force."""
    if system and system != active_system(earlier):
        return [Message("system", [TextPart(system)]), *turn]
    return turn


def history_messages(responses: Iterable[Any]) -> list[Message]:
    """Every earlier turn of a conversation, as messages (see the module docstring)."""
    messages: list[Message] = []
    for response in responses:
        prompt = response.prompt
        messages += with_system(prompt.system, messages, turn_messages(prompt))
        messages += [m for m in response._output_messages() if m.parts]
    return messages
