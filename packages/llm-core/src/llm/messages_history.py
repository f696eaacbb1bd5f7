"""``messages=[...]``: a list of messages turned into history plus a final prompt.

Earlier turns become completed responses in a conversation, so every model
plugin (even one that only reads ``prompt.prompt`` and
``conversation.responses``) sees the whole exchange.
"""

from __future__ import annotations

from typing import Any, Optional

from .parts import AttachmentPart, Message, TextPart, ToolCallPart, ToolResultPart, part_events


def _text(message: Optional[Message]) -> str:
    if message is None:
        return ""
    return "".join(p.text for p in message.parts if isinstance(p, TextPart))


def _attachments(message: Optional[Message]) -> list[Any]:
    if message is None:
        return []
    return [p.attachment for p in message.parts if isinstance(p, AttachmentPart)]


def _tool_results(message: Optional[Message]) -> list[Any]:
    from .tools import ToolResult

    if message is None:
        return []
    return [ToolResult(p.name, p.output, p.tool_call_id) for p in message.parts if isinstance(p, ToolResultPart)]


def record_output(response: Any, parts: list[Any]) -> None:
    """Give a rebuilt response the output ``parts``, metadata included; tool calls
    the model (not its provider) made become the response's tool calls."""
    from .tools import ToolCall

    for part in parts:
        if isinstance(part, ToolCallPart) and not part.server_executed and not part.tool_call_id:
            response.add_tool_call(ToolCall(part.name, dict(part.arguments), None))
            continue
        for event in part_events(part, response._next_part_index()):
            response._record(event)
        if isinstance(part, ToolCallPart) and not part.server_executed:
            response.add_tool_call(ToolCall(part.name, dict(part.arguments), part.tool_call_id))


def apply_messages(model: Any, conversation: Any, kwargs: dict[str, Any]) -> tuple[Any, Optional[str]]:
    """Mutates ``kwargs`` (system, attachments, tool_results); returns (conversation, prompt)."""
    from .prompts import Prompt

    messages: list[Message] = list(kwargs.get("messages") or [])
    system_texts = [_text(m) for m in messages if m.role == "system"]
    turns = [m for m in messages if m.role != "system"]
    system = kwargs.get("system") or ("\n\n".join(t for t in system_texts if t) or None)
    if system:
        kwargs["system"] = system

    # Pair each assistant message with the user message before it.
    history: list[tuple[Optional[Message], Message]] = []
    pending: Optional[Message] = None
    for message in turns:
        if message.role == "assistant":
            history.append((pending, message))
            pending = None
        elif pending is None:
            pending = Message("user", list(message.parts))
        else:
            pending = Message("user", pending.parts + list(message.parts))

    if conversation is None:
        conversation = model.conversation()
    from .models import is_async_model
    from .responses import AsyncResponse, Response

    cls = AsyncResponse if is_async_model(model) else Response
    for user_message, assistant_message in history:
        prompt = Prompt(_text(user_message) or None, model, system=system,
                        attachments=_attachments(user_message), tool_results=_tool_results(user_message),
                        tools=kwargs.get("tools"))
        response = cls(prompt, model, stream=False, conversation=conversation)
        record_output(response, assistant_message.parts)
        response._done = response._started = True
        conversation.responses.append(response)

    final_text = _text(pending) or None
    if pending is not None:
        kwargs["attachments"] = list(kwargs.get("attachments") or []) + _attachments(pending)
        results = _tool_results(pending)
        if results:
            kwargs["tool_results"] = list(kwargs.get("tool_results") or []) + results
    return conversation, final_text
