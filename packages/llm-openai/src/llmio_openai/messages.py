"""The chat ``messages`` list: one place, shared by the sync and async models.

History comes from ``conversation.responses`` (each earlier prompt, its
attachments, tool results and the assistant's reply with its tool calls), then
the current prompt. ``text_or_raise()`` and ``tool_calls_or_raise()`` work for
sync and async responses alike, which is what lets this code be shared.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Optional

import llm

__all__ = [
    "attachment_part",
    "user_message",
    "tool_result_messages",
    "assistant_message",
    "build_chat_messages",
    "tool_definition",
    "schema_response_format",
    "redact_data",
]

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})
AUDIO_TYPES = frozenset({"audio/wav", "audio/mpeg"})
PDF_TYPES = frozenset({"application/pdf"})


def attachment_part(attachment: Any) -> dict:
    """The content part for one attachment.

    Images are sent by URL when they have one, otherwise inline as a data URL;
    audio is always inline base64; PDFs are sent as an inline ``file`` part.
    """
    mime = attachment.resolve_type()
    if mime.startswith("audio/"):
        return {
            "type": "input_audio",
            "input_audio": {
                "data": attachment.base64_content(),
                "format": "wav" if mime == "audio/wav" else "mp3",
            },
        }
    if mime == "application/pdf":
        name = None
        if getattr(attachment, "path", None):
            name = str(attachment.path).replace("\\", "/").rsplit("/", 1)[-1]
        elif getattr(attachment, "url", None):
            name = attachment.url.rsplit("/", 1)[-1].split("?", 1)[0] or None
        return {
            "type": "file",
            "file": {
                "filename": name or f"{attachment.id()}.pdf",
                "file_data": f"data:{mime};base64,{attachment.base64_content()}",
            },
        }
    url = getattr(attachment, "url", None)
    if not url:
        url = f"data:{mime};base64,{attachment.base64_content()}"
    return {"type": "image_url", "image_url": {"url": url}}


def user_message(text: Optional[str], attachments: Iterable[Any]) -> Optional[dict]:
    """A user message: plain content, or a list of parts when there are attachments."""
    attachments = list(attachments or [])
    if not attachments:
        if text is None:
            return None
        return {"role": "user", "content": text}
    parts: list[dict] = []
    if text:
        parts.append({"type": "text", "text": text})
    parts.extend(attachment_part(a) for a in attachments)
    return {"role": "user", "content": parts}


def _output_text(output: Any) -> str:
    if isinstance(output, str):
        return output
    try:
        return json.dumps(output)
    except (TypeError, ValueError):
        return str(output)


def tool_result_messages(tool_results: Iterable[Any]) -> list[dict]:
    return [
        {
            "role": "tool",
            "tool_call_id": getattr(result, "tool_call_id", None),
            "content": _output_text(getattr(result, "output", "")),
        }
        for result in (tool_results or [])
    ]


def _arguments_json(arguments: Any) -> str:
    if isinstance(arguments, str):
        return arguments
    return json.dumps(arguments if arguments is not None else {})


def _tool_calls_of(response: Any) -> list[Any]:
    """Tool calls of an earlier (finished) response, sync or async."""
    for name in ("tool_calls_or_raise", "_tool_calls_or_raise"):
        method = getattr(response, name, None)
        if callable(method):
            try:
                return list(method() or [])
            except (ValueError, TypeError):
                break
    calls = getattr(response, "_tool_calls", None)
    return list(calls or [])


def assistant_message(text: str, tool_calls: Iterable[Any] = ()) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    calls = [
        {
            "type": "function",
            "id": getattr(call, "tool_call_id", None),
            "function": {
                "name": getattr(call, "name", None),
                "arguments": _arguments_json(getattr(call, "arguments", None)),
            },
        }
        for call in tool_calls or []
    ]
    if calls:
        message["tool_calls"] = calls
        if not text:
            message["content"] = None
    return message


def _prompt_messages(prompt: Any) -> list[dict]:
    """Messages for one prompt: its tool results, then the user turn (if any)."""
    tool_results = list(getattr(prompt, "tool_results", None) or [])
    messages = tool_result_messages(tool_results)
    # Tool messages carry text only: images a tool returned follow as a user turn.
    returned = [a for result in tool_results for a in (getattr(result, "attachments", None) or [])]
    if returned:
        messages.append({"role": "user", "content": [attachment_part(a) for a in returned]})
    user = user_message(prompt.prompt, getattr(prompt, "attachments", None) or [])
    if user is not None and (user["content"] or not messages):
        messages.append(user)
    elif user is None and not messages:
        messages.append({"role": "user", "content": ""})
    return messages


def build_chat_messages(prompt: Any, conversation: Any = None, *,
                        allows_system_prompt: bool = True) -> list[dict]:
    """The full ``messages`` list for a chat completion request.

    A system message is emitted whenever the system prompt changes between turns,
    so a conversation continued with the same system prompt sends it once.
    """
    messages: list[dict] = []
    current_system: Optional[str] = None

    def add_system(system: Optional[str]) -> None:
        nonlocal current_system
        if system and system != current_system:
            if not allows_system_prompt:
                raise llm.ModelError(
                    f"Model {prompt.model.model_id} does not support system prompts")
            messages.append({"role": "system", "content": system})
            current_system = system

    if conversation is not None:
        for previous in conversation.responses:
            add_system(previous.prompt.system)
            messages.extend(_prompt_messages(previous.prompt))
            messages.append(assistant_message(previous.text_or_raise(),
                                              _tool_calls_of(previous)))
    add_system(prompt.system)
    messages.extend(_prompt_messages(prompt))
    return messages


def tool_definition(tool: Any) -> dict:
    """An ``llm.Tool`` as an OpenAI function tool."""
    function: dict[str, Any] = {"name": tool.name}
    description = getattr(tool, "description", None)
    if description:
        function["description"] = description
    schema = getattr(tool, "input_schema", None)
    function["parameters"] = schema or {"type": "object", "properties": {}}
    return {"type": "function", "function": function}


def schema_response_format(schema: Any) -> dict:
    """``response_format`` for a JSON schema (a dict or a pydantic model class)."""
    if hasattr(schema, "model_json_schema"):
        schema = schema.model_json_schema()
    return {"type": "json_schema", "json_schema": {"name": "output", "schema": schema}}


def redact_data(data: Any) -> Any:
    """A copy with inline base64 payloads (data URLs, audio, files) shortened to '...'."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key in ("url", "file_data") and isinstance(value, str) and value.startswith("data:"):
                out[key] = value.split(",", 1)[0] + ",..."
            elif key == "data" and isinstance(value, str) and len(value) > 64:
                out[key] = "..."
            else:
                out[key] = redact_data(value)
        return out
    if isinstance(data, list):
        return [redact_data(item) for item in data]
    return data
