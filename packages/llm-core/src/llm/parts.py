"""Messages and their parts, and the events a streaming response emits.

A :class:`Message` is a role plus a list of parts (text, reasoning, tool calls,
tool results, attachments). Models may yield :class:`StreamEvent` objects from
``execute()``; iterating a response still yields only the text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional, Union


@dataclass
class StreamEvent:
    """One piece of streamed output. ``type`` is text, reasoning, tool_call_name,
    tool_call_args or tool_result; events of one part share ``part_index``."""

    type: str
    chunk: str = ""
    part_index: int = 0
    tool_call_id: Optional[str] = None
    tool_name: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class TextPart:
    text: str
    type: str = field(default="text", init=False)


@dataclass
class ReasoningPart:
    text: str
    type: str = field(default="reasoning", init=False)


@dataclass
class ToolCallPart:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    tool_call_id: Optional[str] = None
    type: str = field(default="tool_call", init=False)


@dataclass
class ToolResultPart:
    name: str
    output: str
    tool_call_id: Optional[str] = None
    type: str = field(default="tool_result", init=False)


@dataclass
class AttachmentPart:
    attachment: Any
    type: str = field(default="attachment", init=False)


Part = Union[TextPart, ReasoningPart, ToolCallPart, ToolResultPart, AttachmentPart]


def part_to_dict(part: Part) -> dict[str, Any]:
    if isinstance(part, AttachmentPart):
        a = part.attachment
        data: dict[str, Any] = {"type": "attachment", "mimetype": a.type, "path": a.path, "url": a.url}
        if a.content is not None and not (a.path or a.url):
            data["content_base64"] = a.base64_content()
        return {k: v for k, v in data.items() if v is not None}
    return asdict(part)


def part_from_dict(data: dict[str, Any]) -> Part:
    kind = data.get("type")
    if kind == "text":
        return TextPart(data["text"])
    if kind == "reasoning":
        return ReasoningPart(data["text"])
    if kind == "tool_call":
        return ToolCallPart(data["name"], dict(data.get("arguments") or {}), data.get("tool_call_id"))
    if kind == "tool_result":
        return ToolResultPart(data["name"], data.get("output", ""), data.get("tool_call_id"))
    if kind == "attachment":
        import base64

        from .attachments import Attachment

        content = base64.b64decode(data["content_base64"]) if "content_base64" in data else None
        return AttachmentPart(Attachment(type=data.get("mimetype"), path=data.get("path"),
                                         url=data.get("url"), content=content))
    raise ValueError(f"Unknown part type: {kind!r}")


@dataclass
class Message:
    role: str
    parts: list[Part] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "parts": [part_to_dict(p) for p in self.parts]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Message":
        return cls(role=data["role"], parts=[part_from_dict(p) for p in data.get("parts", [])])


def _parts(content: tuple[Any, ...]) -> list[Part]:
    from .attachments import Attachment

    parts: list[Part] = []
    for item in content:
        if isinstance(item, str):
            parts.append(TextPart(item))
        elif isinstance(item, Attachment):
            parts.append(AttachmentPart(item))
        elif isinstance(item, (TextPart, ReasoningPart, ToolCallPart, ToolResultPart, AttachmentPart)):
            parts.append(item)
        else:
            raise TypeError(f"Cannot make a message part from {type(item).__name__}")
    return parts


def user(*content: Any) -> Message:
    """A user message: strings become text parts, Attachments attachment parts."""
    return Message("user", _parts(content))


def assistant(*content: Any) -> Message:
    return Message("assistant", _parts(content))


def system(*content: Any) -> Message:
    return Message("system", _parts(content))


def events_to_parts(events: list[StreamEvent]) -> list[Part]:
    """Merge a response's stream events into parts (consecutive events of one part join)."""
    import json

    parts: list[Part] = []
    key: Optional[tuple[str, int]] = None
    buffer: list[str] = []
    call: dict[str, Any] = {}

    def flush() -> None:
        nonlocal buffer, call
        if key is None:
            return
        kind = key[0]
        text = "".join(buffer)
        if kind == "text":
            parts.append(TextPart(text))
        elif kind == "reasoning":
            parts.append(ReasoningPart(text))
        elif kind == "tool_call":
            try:
                arguments = json.loads(call.get("args") or "{}")
            except ValueError:
                arguments = {"_raw": call.get("args")}
            parts.append(ToolCallPart(call.get("name") or "", arguments, call.get("id")))
        elif kind == "tool_result":
            parts.append(ToolResultPart(call.get("name") or "", text, call.get("id")))
        buffer, call = [], {}

    for event in events:
        kind = "tool_call" if event.type in ("tool_call_name", "tool_call_args") else event.type
        this = (kind, event.part_index)
        if this != key:
            flush()
            key = this
        if event.type == "tool_call_name":
            call["name"] = (call.get("name") or "") + event.chunk
            call["id"] = event.tool_call_id or call.get("id")
        elif event.type == "tool_call_args":
            call["args"] = (call.get("args") or "") + event.chunk
            call["id"] = event.tool_call_id or call.get("id")
        else:
            if event.type == "tool_result":
                call["name"] = event.tool_name
                call["id"] = event.tool_call_id
            buffer.append(event.chunk)
    flush()
    return parts
