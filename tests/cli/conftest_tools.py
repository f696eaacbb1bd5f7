"""A scripted model that calls tools, plugin tools and fragment loaders, for CLI tests.

``scripted`` reads its user prompt as JSON::

    {"tool_calls": [{"name": "upper", "arguments": {"text": "hi"}, "id": "c1"}],
     "then": [[...calls for the 2nd turn...], ...],
     "say": "text for the first turn"}

It emits the first turn's tool calls with ``response.add_tool_call``. On each
later turn of the chain it replies with one line per tool result it was sent
(``name(id): output``) and emits that turn's calls from ``then``. A prompt
that is not a JSON object gets a JSON description of what the model received
(prompt, system, schema, tool names, attachment types).

Test modules wrap :func:`registered_tools_plugin` in a ``tools_plugin`` fixture.
"""

from __future__ import annotations

import contextlib
import json

import llm


def _script(text):
    try:
        value = json.loads(text or "")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class ScriptedModel(llm.Model):
    model_id = "scripted"
    can_stream = True
    supports_tools = True
    supports_schema = True
    attachment_types = frozenset({"image/png", "text/plain"})

    def __init__(self):
        self.prompts = []

    def execute(self, prompt, stream, response, conversation):
        self.prompts.append(prompt)
        yield from _run_script(prompt, response, conversation)


class AsyncScriptedModel(llm.AsyncModel):
    """The same script, as an async model (for ``--async``)."""

    model_id = "scripted"
    can_stream = True
    supports_tools = True
    supports_schema = True
    attachment_types = ScriptedModel.attachment_types

    def __init__(self):
        self.prompts = []

    async def execute(self, prompt, stream, response, conversation):
        self.prompts.append(prompt)
        for chunk in _run_script(prompt, response, conversation):
            yield chunk


def _run_script(prompt, response, conversation):
    user_turn = prompt._prompt
    turn = 0
    if not user_turn and prompt.tool_results:
        # A follow-up turn: find the user prompt that started this chain.
        earlier = list(conversation.responses if conversation else [])
        for previous in reversed(earlier):
            turn += 1
            if previous.prompt._prompt:
                user_turn = previous.prompt._prompt
                break
    script = _script(user_turn)
    response.set_usage(
        input=len((prompt.prompt or "").split()) + len(prompt.tool_results), output=1
    )
    if script is None and not prompt.tool_results:
        yield json.dumps(
            {
                "prompt": prompt.prompt,
                "system": prompt.system,
                "schema": prompt.schema,
                "tools": [t.name for t in prompt.tools],
                "attachments": [a.resolve_type() for a in prompt.attachments],
            }
        )
        return
    script = script or {}
    if turn == 0:
        calls = script.get("tool_calls", [])
        if script.get("say"):
            yield script["say"]
    else:
        yield "\n".join(f"{r.name}({r.tool_call_id}): {r.output}" for r in prompt.tool_results)
        then = script.get("then", [])
        calls = then[turn - 1] if turn - 1 < len(then) else []
    for call in calls:
        response.add_tool_call(
            llm.ToolCall(call["name"], call.get("arguments", {}), call.get("id"))
        )


def upper(text: str) -> str:
    """Convert text to uppercase."""
    return text.upper()


def fail(message: str) -> str:
    """Always fails."""
    raise ValueError(message)


class Counter(llm.Toolbox):
    """Counts up from a start value."""

    def __init__(self, start: int = 0, step: int = 1):
        self.value = start
        self.step = step

    def increment(self) -> int:
        "Add the step to the counter and return it"
        self.value += self.step
        return self.value

    def read(self) -> int:
        "Return the counter"
        return self.value


def shout_loader(argument: str):
    """Upper-cases the argument.

    Returns one fragment."""
    return llm.Fragment(argument.upper(), f"shout:{argument}")


def pair_loader(argument: str):
    "Returns a text fragment and a text/plain attachment"
    return [argument + " as text", llm.Attachment(type="text/plain", content=argument.encode())]


class ToolsPlugin:
    __name__ = "llm-tools-fixtures"

    def __init__(self):
        self.scripted = ScriptedModel()
        self.async_scripted = AsyncScriptedModel()

    @llm.hookimpl
    def register_models(self, register):
        register(self.scripted, self.async_scripted)

    @llm.hookimpl
    def register_tools(self, register):
        register(upper)
        register(fail)
        register(Counter)

    @llm.hookimpl
    def register_fragment_loaders(self, register):
        register("shout", shout_loader)
        register("pair", pair_loader)


@contextlib.contextmanager
def registered_tools_plugin():
    """Register :class:`ToolsPlugin` with the plugin manager for the duration."""
    from llm.plugins import pm

    plugin = ToolsPlugin()
    pm.register(plugin, name="llm-tools-fixtures")
    try:
        yield plugin
    finally:
        pm.unregister(name="llm-tools-fixtures")
