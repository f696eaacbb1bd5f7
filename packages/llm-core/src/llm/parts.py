"""Messages and their parts, and the events a streaming response emits.

A :class:`Message` is a role (``system``, ``user``, ``assistant`` or ``tool``)
plus a list of parts: text, reasoning, tool calls, tool results, attachments.
Models may yield :class:`StreamEvent` objects from ``execute()``; iterating a
response still yields only the text, and :func:`events_to_parts` assembles the
events into parts.

Parts carry what a provider needs to be sent its own output again:
``provider_metadata`` (signatures, encrypted reasoning, raw response items, keyed
by provider), ``server_executed`` for tools the provider ran itself, and
``redacted`` for reasoning whose text was withheld.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any, Optional, Union


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop unset values (None, False, empty lists) so dicts stay small and stable."""
    return {k: v for k, v in data.items() if v is not None and v is not False and v != []}


def merge_metadata(base: Optional[dict[str, Any]], extra: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """``extra`` merged into ``base``, dictionaries recursively (later values win)."""
    if not extra:
        return base
    merged: dict[str, Any] = dict(base or {})
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_metadata(merged[key], value)
        else:
            merged[key] = value
    return merged


@dataclass
class StreamEvent:
    """One piece of streamed output.

    ``type`` is ``text``, ``reasoning``, ``tool_call_name``, ``tool_call_args`` or
    ``tool_result``. Events of one part share ``part_index``; an event without one
    joins the part of the event before it when it is the same kind of output (and,
    for tools, the same call), else starts a new part. ``message_index`` splits the
    output into several assistant messages (default: one).
    """

    type: str
    chunk: str = ""
    part_index: Optional[int] = None
    tool_call_id: Optional[str] = None
    server_executed: bool = False
    tool_name: Optional[str] = None
    redacted: bool = False
    provider_metadata: Optional[dict[str, Any]] = None
    message_index: Optional[int] = None

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data = _compact(data)
        data.setdefault("chunk", "")
        return data


@dataclass
class TextPart:
    text: str
    provider_metadata: Optional[dict[str, Any]] = None

    type = "text"


@dataclass
class ReasoningPart:
    text: str
    redacted: bool = False
    provider_metadata: Optional[dict[str, Any]] = None

    type = "reasoning"


@dataclass
class ToolCallPart:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    tool_call_id: Optional[str] = None
    server_executed: bool = False
    provider_metadata: Optional[dict[str, Any]] = None

    type = "tool_call"


@dataclass
class ToolResultPart:
    name: str
    output: str
    tool_call_id: Optional[str] = None
    server_executed: bool = False
    attachments: list[Any] = field(default_factory=list)
    exception: Optional[str] = None
    provider_metadata: Optional[dict[str, Any]] = None

    type = "tool_result"


@dataclass
class AttachmentPart:
    attachment: Any
    provider_metadata: Optional[dict[str, Any]] = None

    type = "attachment"


Part = Union[TextPart, ReasoningPart, ToolCallPart, ToolResultPart, AttachmentPart]
PART_TYPES = (TextPart, ReasoningPart, ToolCallPart, ToolResultPart, AttachmentPart)


def _attachment_to_dict(attachment: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"mimetype": attachment.type, "path": attachment.path, "url": attachment.url}
    if attachment.content is not None and not (attachment.path or attachment.url):
        data["content_base64"] = attachment.base64_content()
    return {k: v for k, v in data.items() if v is not None}


def _attachment_from_dict(data: dict[str, Any]) -> Any:
    import base64

    from .attachments import Attachment

    content = base64.b64decode(data["content_base64"]) if "content_base64" in data else None
    return Attachment(type=data.get("mimetype"), path=data.get("path"), url=data.get("url"), content=content)


def part_to_dict(part: Part) -> dict[str, Any]:
    """A JSON-safe dict: ``type`` plus the fields that are set."""
    data: dict[str, Any] = {"type": part.type}
    if isinstance(part, AttachmentPart):
        data.update(_attachment_to_dict(part.attachment))
        if part.provider_metadata:
            data["provider_metadata"] = part.provider_metadata
        return data
    for f in fields(part):
        value = getattr(part, f.name)
        if f.name == "attachments":
            value = [_attachment_to_dict(a) for a in value]
        data[f.name] = value
    compact = _compact(data)
    # The payload of a part is kept even when empty: "" text, {} arguments.
    for key in ("text", "output", "arguments", "name"):
        if key in data and key not in compact and data[key] is not None:
            compact[key] = data[key]
    return compact


def part_from_dict(data: dict[str, Any]) -> Part:
    kind = data.get("type")
    metadata = data.get("provider_metadata")
    if kind == "text":
        return TextPart(data.get("text", ""), provider_metadata=metadata)
    if kind == "reasoning":
        return ReasoningPart(data.get("text", ""), redacted=bool(data.get("redacted")), provider_metadata=metadata)
    if kind == "tool_call":
        return ToolCallPart(data.get("name", ""), dict(data.get("arguments") or {}), data.get("tool_call_id"),
                            server_executed=bool(data.get("server_executed")), provider_metadata=metadata)
    if kind == "tool_result":
        return ToolResultPart(data.get("name", ""), data.get("output", ""), data.get("tool_call_id"),
                              server_executed=bool(data.get("server_executed")),
                              attachments=[_attachment_from_dict(a) for a in data.get("attachments") or []],
                              exception=data.get("exception"), provider_metadata=metadata)
    if kind == "attachment":
        return AttachmentPart(_attachment_from_dict(data), provider_metadata=metadata)
    raise ValueError(f"Unknown part type: {kind!r}")


# Parts are dataclasses; give each the dict round trip plugins call on them.
for _cls in PART_TYPES:
    _cls.to_dict = part_to_dict  # type: ignore[attr-defined]
    _cls.from_dict = staticmethod(part_from_dict)  # type: ignore[attr-defined]


@dataclass
class Message:
    role: str
    parts: list[Part] = field(default_factory=list)
    provider_metadata: Optional[dict[str, Any]] = None

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"role": self.role, "parts": [part_to_dict(p) for p in self.parts]}
        if self.provider_metadata:
            data["provider_metadata"] = self.provider_metadata
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Message":
        return cls(role=data["role"], parts=[part_from_dict(p) for p in data.get("parts", [])],
                   provider_metadata=data.get("provider_metadata"))


def _parts(content: tuple[Any, ...]) -> list[Part]:
    from .attachments import Attachment
    from .tools import ToolResult

    parts: list[Part] = []
    for item in content:
        if isinstance(item, str):
            parts.append(TextPart(item))
        elif isinstance(item, Attachment):
            parts.append(AttachmentPart(item))
        elif isinstance(item, PART_TYPES):
            parts.append(item)
        elif isinstance(item, ToolResult):
            parts.append(ToolResultPart(item.name, item.output, item.tool_call_id,
                                        attachments=list(item.attachments)))
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


def tool_message(*content: Any) -> Message:
    """Tool results sent back to the model (ToolResultPart or llm.ToolResult)."""
    return Message("tool", _parts(content))


# -- assembling streamed events into parts ------------------------------------

_KINDS = {"tool_call_name": "tool_call", "tool_call_args": "tool_call"}


def event_kind(event: StreamEvent) -> str:
    """The kind of part an event belongs to: text, reasoning, tool_call, tool_result."""
    return _KINDS.get(event.type, event.type)


def continues(previous: Optional[StreamEvent], event: StreamEvent) -> bool:
    """Whether an event without ``part_index`` belongs to the part of ``previous``."""
    if previous is None:
        return False
    if event_kind(previous) != event_kind(event) or (previous.message_index or 0) != (event.message_index or 0):
        return False
    if event_kind(event) in ("tool_call", "tool_result"):
        return event.tool_call_id is None or event.tool_call_id == previous.tool_call_id
    return True


def next_part_index(events: list[StreamEvent]) -> int:
    indexes = [e.part_index for e in events if e.part_index is not None]
    return max(indexes) + 1 if indexes else 0


def _arguments(raw: str) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"_value": value}


class _Assembly:
    """The events of one part, in arrival order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.chunks: list[str] = []
        self.args: list[str] = []
        self.name = ""
        self.tool_call_id: Optional[str] = None
        self.server_executed = False
        self.redacted = False
        self.metadata: Optional[dict[str, Any]] = None

    def add(self, event: StreamEvent) -> None:
        if event.type == "tool_call_name":
            self.name += event.chunk
        elif event.type == "tool_call_args":
            self.args.append(event.chunk)
        else:
            self.chunks.append(event.chunk)
        if event.type == "tool_result" and event.tool_name:
            self.name = event.tool_name
        self.tool_call_id = self.tool_call_id or event.tool_call_id
        self.server_executed = self.server_executed or event.server_executed
        self.redacted = self.redacted or event.redacted
        self.metadata = merge_metadata(self.metadata, event.provider_metadata)

    def part(self) -> Part:
        text = "".join(self.chunks)
        if self.kind == "reasoning":
            return ReasoningPart(text, redacted=self.redacted, provider_metadata=self.metadata)
        if self.kind == "tool_call":
            return ToolCallPart(self.name, _arguments("".join(self.args)), self.tool_call_id,
                                server_executed=self.server_executed, provider_metadata=self.metadata)
        if self.kind == "tool_result":
            return ToolResultPart(self.name, text, self.tool_call_id, server_executed=self.server_executed,
                                  provider_metadata=self.metadata)
        return TextPart(text, provider_metadata=self.metadata)


def events_to_messages(events: list[StreamEvent]) -> dict[int, list[Part]]:
    """Parts per ``message_index``, each in the order its first event arrived."""
    assemblies: dict[tuple[Any, ...], _Assembly] = {}
    order: list[tuple[int, tuple[Any, ...]]] = []
    latest: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # (message, kind, index) -> last key
    previous: Optional[StreamEvent] = None
    previous_index = 0
    auto_index = next_part_index(events)
    for event in events:
        kind = event_kind(event)
        message = event.message_index or 0
        index = event.part_index
        if index is None:
            if continues(previous, event):
                index = previous_index
            else:
                index, auto_index = auto_index, auto_index + 1
        base = (message, kind, index)
        tool_id = event.tool_call_id if kind in ("tool_call", "tool_result") else None
        if tool_id is None:
            key = latest.get(base, base + (None,))
        else:
            key = base + (tool_id,)
            if key not in assemblies and base + (None,) in assemblies and latest.get(base) == base + (None,):
                key = base + (None,)  # the same call: its first event carried no ID
        latest[base] = key
        if key not in assemblies:
            assemblies[key] = _Assembly(kind)
            order.append((message, key))
        assemblies[key].add(event)
        previous, previous_index = event, index
    messages: dict[int, list[Part]] = {}
    for message, key in order:
        messages.setdefault(message, []).append(assemblies[key].part())
    return dict(sorted(messages.items()))


def part_events(part: Part, part_index: int, message_index: Optional[int] = None) -> list[StreamEvent]:
    """The events that assemble back into ``part`` (attachments have none)."""
    common: dict[str, Any] = {"part_index": part_index, "message_index": message_index,
                              "provider_metadata": part.provider_metadata}
    if isinstance(part, TextPart):
        return [StreamEvent("text", part.text, **common)]
    if isinstance(part, ReasoningPart):
        return [StreamEvent("reasoning", part.text, redacted=part.redacted, **common)]
    if isinstance(part, ToolCallPart):
        return [StreamEvent("tool_call_name", part.name, tool_call_id=part.tool_call_id,
                            server_executed=part.server_executed, **common),
                StreamEvent("tool_call_args", json.dumps(part.arguments or {}), part_index=part_index,
                            message_index=message_index, tool_call_id=part.tool_call_id,
                            server_executed=part.server_executed)]
    if isinstance(part, ToolResultPart):
        return [StreamEvent("tool_result", part.output, tool_call_id=part.tool_call_id, tool_name=part.name,
                            server_executed=part.server_executed, **common)]
    return []


def events_to_parts(events: list[StreamEvent]) -> list[Part]:
    """Every part of a response's events, in order (all messages together)."""
    return [part for parts in events_to_messages(events).values() for part in parts]
