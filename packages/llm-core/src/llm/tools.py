"""Tools a model may call: plain functions, Tool objects and Toolbox classes."""

from __future__ import annotations

import inspect
import json
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .utils import new_id


class CancelToolCall(Exception):
    """Raise in ``before_call`` to skip a call; the model is told it was cancelled."""


class PauseChain(Exception):
    """Raise in a tool to stop the chain; ``tool_call`` and ``tool_results`` are set."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.tool_call: Optional["ToolCall"] = None
        self.tool_results: list["ToolResult"] = []


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    tool_call_id: Optional[str] = None


@dataclass
class ToolResult:
    name: str
    output: str
    tool_call_id: Optional[str] = None
    attachments: list[Any] = field(default_factory=list)
    exception: Optional[BaseException] = None


@dataclass
class ToolOutput:
    """A tool may return this to send attachments along with its text output."""

    output: Any
    attachments: list[Any] = field(default_factory=list)


def synthesize_tool_call_id() -> str:
    return "tc_" + new_id()


def function_schema(function: Callable[..., Any]) -> dict[str, Any]:
    """A JSON schema for a function's parameters, from its type hints (built by pydantic).

    Optional, ``Literal``, ``Enum``, defaults and nested models come out right; the
    result stays compact: no ``title`` keys, definitions inlined, ``type``,
    ``properties`` and ``required`` first, as providers expect."""
    from pydantic import ConfigDict, create_model

    try:
        hints = typing.get_type_hints(function)
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        hints = {}
    fields: dict[str, Any] = {}
    for name, param in inspect.signature(function).parameters.items():
        if name in ("self", "llm_tool_call") or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(name, param.annotation)
        if annotation is inspect.Parameter.empty:
            annotation = Any
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[name] = (annotation, default)
    config = ConfigDict(arbitrary_types_allowed=True)
    try:
        schema = create_model("Parameters", __config__=config, **fields).model_json_schema()  # type: ignore[call-overload]
    except Exception:  # a parameter type pydantic cannot describe: leave that one open
        fields = {name: (annotation if _describable(annotation, config) else Any, default)
                  for name, (annotation, default) in fields.items()}
        schema = create_model("Parameters", __config__=config, **fields).model_json_schema()  # type: ignore[call-overload]
    return _compact(_inline_refs(schema, schema.pop("$defs", {})))


def _describable(annotation: Any, config: Any) -> bool:
    from pydantic import TypeAdapter

    try:
        TypeAdapter(annotation, config=config).json_schema()
    except Exception:
        return False
    return True


def _inline_refs(node: Any, definitions: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """Replace ``{"$ref": "#/$defs/X"}`` with X itself (recursive definitions stay refs)."""
    if isinstance(node, list):
        return [_inline_refs(item, definitions, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.rsplit("/", 1)[1]
        if name in definitions and name not in seen:
            merged = {**definitions[name], **{k: v for k, v in node.items() if k != "$ref"}}
            return _inline_refs(merged, definitions, seen + (name,))
    return {key: _inline_refs(value, definitions, seen) for key, value in node.items()}


def _compact(node: Any, is_properties: bool = False) -> Any:
    """Drop pydantic's ``title`` keys (not property names called ``title``) and put
    ``type``, ``properties`` and ``required`` first."""
    if isinstance(node, list):
        return [_compact(item) for item in node]
    if not isinstance(node, dict):
        return node
    if is_properties:
        return {name: _compact(value) for name, value in node.items()}
    out = {key: _compact(value, is_properties=key == "properties")
           for key, value in node.items() if key != "title"}
    first = {key: out.pop(key) for key in ("type", "properties", "required") if key in out}
    return {**first, **out}


@dataclass
class Tool:
    name: str
    description: Optional[str] = None
    input_schema: dict[str, Any] = field(default_factory=dict)
    implementation: Optional[Callable[..., Any]] = None
    plugin: Optional[str] = None
    toolbox: Optional["Toolbox"] = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.input_schema:
            self.input_schema = {"type": "object", "properties": {}}

    @classmethod
    def function(cls, function: Callable[..., Any], name: Optional[str] = None,
                 description: Optional[str] = None) -> "Tool":
        """A Tool from a function: name, description (else the docstring) and schema from hints."""
        if description is None:
            doc = inspect.getdoc(function)
            description = doc.strip() if doc else None
        return cls(name=name or function.__name__, description=description,
                   input_schema=function_schema(function), implementation=function)

    def hash(self) -> str:
        import hashlib

        data = json.dumps({"name": self.name, "description": self.description,
                           "input_schema": self.input_schema, "plugin": self.plugin}, sort_keys=True)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.implementation)


class Toolbox:
    """Subclass this: each public method becomes a tool named ``ClassName_method``."""

    name: Optional[str] = None
    _config: dict[str, Any]
    _extra_tools: list[Tool]
    _prepared: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        original = cls.__init__

        def __init__(self: "Toolbox", *args: Any, **kw: Any) -> None:
            # Record constructor arguments so the toolbox can be rebuilt later.
            if not hasattr(self, "_config"):
                try:
                    bound = inspect.signature(original).bind(self, *args, **kw)
                    bound.apply_defaults()
                    self._config = {k: v for k, v in bound.arguments.items() if k != "self"}
                except TypeError:
                    self._config = {}
            original(self, *args, **kw)

        if original is not object.__init__:
            cls.__init__ = __init__  # type: ignore[method-assign]

    def _toolbox_name(self) -> str:
        return self.name or self.__class__.__name__

    def add_tool(self, function: Callable[..., Any], name: Optional[str] = None) -> None:
        if not hasattr(self, "_extra_tools"):
            self._extra_tools = []
        self._extra_tools.append(Tool.function(function, name=name))

    def method_tools(self) -> list[Tool]:
        tools = []
        for attr in dir(self.__class__):
            if attr.startswith("_") or attr in ("name", "add_tool", "method_tools", "tools",
                                                 "prepare", "prepare_async", "introspect_methods"):
                continue
            value = getattr(self.__class__, attr)
            if not inspect.isfunction(value):
                continue
            bound = getattr(self, attr)
            tool = Tool.function(bound, name=f"{self._toolbox_name()}_{attr}")
            tool.plugin = getattr(self, "_plugin", None)
            tool.toolbox = self
            tools.append(tool)
        return tools

    def tools(self) -> list[Tool]:
        extra = list(getattr(self, "_extra_tools", []))
        for tool in extra:
            tool.toolbox = self
        return self.method_tools() + extra

    def prepare(self) -> None:
        """Override to set things up before the first tool call."""

    async def prepare_async(self) -> None:
        """Override for async set-up before the first tool call."""

    def _ensure_prepared(self) -> None:
        if not getattr(self, "_prepared", False):
            self._prepared = True
            self.prepare()

    async def _ensure_prepared_async(self) -> None:
        if not getattr(self, "_prepared", False):
            self._prepared = True
            self.prepare()
            await self.prepare_async()

    @property
    def config(self) -> dict[str, Any]:
        return dict(getattr(self, "_config", {}))


class ServerSideTool:
    """A tool the provider runs on its own servers (web search, code execution, ...).

    Model plugins subclass it: ``name`` identifies it, :meth:`tool_spec` is the
    entry for the request's tool list and :meth:`prepare_request` may adjust the
    rest of the request (beta flags, server lists). It is passed in ``tools=`` like
    any tool; a model lists the classes it accepts in ``supported_server_side_tools``
    and never runs these calls locally.
    """

    name: str = ""
    #: The distribution that provides it (shown in listings).
    plugin: Optional[str] = None

    def __init__(self) -> None:
        pass

    def tool_spec(self, model: Any) -> dict[str, Any]:
        """The definition to send to ``model``'s API."""
        raise NotImplementedError(f"{type(self).__name__} must implement tool_spec(model)")

    def prepare_request(self, model: Any, kwargs: dict[str, Any]) -> None:
        """Adjust the request ``kwargs`` before it is sent (default: nothing)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def partition_tools(model: Any, tools: Optional[list[Any]]) -> tuple[list[Tool], list[ServerSideTool]]:
    """(function tools, server-side tools) of a prompt.

    A server-side tool the model does not list in ``supported_server_side_tools``
    is a ValueError, raised before any request is made.
    """
    supported = getattr(model, "supported_server_side_tools", ()) or ()
    if callable(supported):
        supported = supported()
    supported = tuple(supported)
    function_tools: list[Tool] = []
    server_tools: list[ServerSideTool] = []
    for tool in tools or []:
        if not isinstance(tool, ServerSideTool):
            function_tools.append(tool)
        elif supported and isinstance(tool, supported):
            server_tools.append(tool)
        else:
            model_id = getattr(model, "model_id", model)
            raise ValueError(f"Model {model_id} does not support server-side tool {tool.name or type(tool).__name__}")
    return function_tools, server_tools


def function_tools(tools: Optional[list[Any]]) -> list[Tool]:
    """The tools that run locally (server-side tools left out)."""
    return [t for t in tools or [] if isinstance(t, Tool)]


def expand_tools(tools: Optional[list[Any]]) -> list[Any]:
    """Functions, Tools and Toolbox instances → a flat list of Tools.

    Server-side tools are kept as they are: the model sends them to its API."""
    out: list[Any] = []
    for item in tools or []:
        if isinstance(item, (Tool, ServerSideTool)):
            out.append(item)
        elif isinstance(item, Toolbox):
            out.extend(item.tools())
        elif isinstance(item, type) and issubclass(item, Toolbox):
            out.extend(item().tools())
        elif callable(item):
            out.append(Tool.function(item))
        else:
            raise TypeError(f"Not a tool: {item!r}")
    return out


def _toolboxes(tools: list[Tool]) -> list[Toolbox]:
    seen: list[Toolbox] = []
    for tool in tools:
        if tool.toolbox is not None and all(tool.toolbox is not b for b in seen):
            seen.append(tool.toolbox)
    return seen


def _output(value: Any) -> tuple[str, list[Any]]:
    attachments: list[Any] = []
    if isinstance(value, ToolOutput):
        attachments = list(value.attachments)
        value = value.output
    if isinstance(value, str):
        return value, attachments
    try:
        return json.dumps(value, default=repr), attachments
    except (TypeError, ValueError):
        return str(value), attachments


def _call_kwargs(tool: Tool, call: ToolCall) -> dict[str, Any]:
    kwargs = dict(call.arguments or {})
    try:
        params = inspect.signature(tool.implementation).parameters  # type: ignore[arg-type]
    except (TypeError, ValueError):
        params = {}
    if "llm_tool_call" in params:
        kwargs["llm_tool_call"] = call
    return kwargs


def run_tool_calls(tool_calls: list[ToolCall], tools: list[Tool], before_call: Any = None,
                   after_call: Any = None) -> list[ToolResult]:
    """Execute tool calls in order; PauseChain propagates with sibling results attached."""
    tools = function_tools(expand_tools(tools))
    for box in _toolboxes(tools):
        box._ensure_prepared()
    by_name = {t.name: t for t in tools}
    results: list[ToolResult] = []
    for call in tool_calls:
        tool = by_name.get(call.name)
        try:
            if before_call is not None:
                before_call(tool, call)
        except CancelToolCall as exc:
            results.append(ToolResult(call.name, f"Cancelled: {exc}" if str(exc) else "Cancelled",
                                      call.tool_call_id, exception=exc))
            continue
        if tool is None or tool.implementation is None:
            result = ToolResult(call.name, f"Error: tool '{call.name}' does not exist", call.tool_call_id)
        else:
            try:
                value = tool.implementation(**_call_kwargs(tool, call))
                if inspect.isawaitable(value):
                    import asyncio

                    value = asyncio.run(value)  # an async tool used from sync code
                output, attachments = _output(value)
                result = ToolResult(call.name, output, call.tool_call_id, attachments=attachments)
            except PauseChain as pause:
                pause.tool_call = call
                pause.tool_results = results
                raise
            except Exception as exc:  # the model is told, the chain goes on
                result = ToolResult(call.name, f"Error: {exc}", call.tool_call_id, exception=exc)
        if after_call is not None:
            after_call(tool, call, result)
        results.append(result)
    return results


async def arun_tool_calls(tool_calls: list[ToolCall], tools: list[Any], before_call: Any = None,
                          after_call: Any = None) -> list[ToolResult]:
    """Async version: independent calls run concurrently; results keep the call order."""
    import asyncio

    tools = function_tools(expand_tools(tools))
    for box in _toolboxes(tools):
        await box._ensure_prepared_async()
    by_name = {t.name: t for t in tools}

    async def maybe_await(value: Any) -> Any:
        return await value if inspect.isawaitable(value) else value

    async def one(call: ToolCall) -> ToolResult:
        tool = by_name.get(call.name)
        try:
            if before_call is not None:
                await maybe_await(before_call(tool, call))
        except CancelToolCall as exc:
            return ToolResult(call.name, f"Cancelled: {exc}" if str(exc) else "Cancelled",
                              call.tool_call_id, exception=exc)
        if tool is None or tool.implementation is None:
            result = ToolResult(call.name, f"Error: tool '{call.name}' does not exist", call.tool_call_id)
        else:
            try:
                value = await maybe_await(tool.implementation(**_call_kwargs(tool, call)))
                output, attachments = _output(value)
                result = ToolResult(call.name, output, call.tool_call_id, attachments=attachments)
            except PauseChain as pause:
                pause.tool_call = call
                raise
            except Exception as exc:
                result = ToolResult(call.name, f"Error: {exc}", call.tool_call_id, exception=exc)
        if after_call is not None:
            await maybe_await(after_call(tool, call, result))
        return result

    outcomes = await asyncio.gather(*(one(c) for c in tool_calls), return_exceptions=True)
    results: list[ToolResult] = []
    pause: Optional[PauseChain] = None
    for outcome in outcomes:
        if isinstance(outcome, PauseChain):
            pause = pause or outcome
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            results.append(outcome)
    if pause is not None:
        pause.tool_results = results
        raise pause
    return results


# -- the built-in tools (registered by llm.default_plugins.default_tools) -------------


def llm_version() -> str:
    """Return the installed version of llm"""
    from importlib.metadata import PackageNotFoundError, version

    for distribution in ("llm", "llmio-core"):
        try:
            return version(distribution)
        except PackageNotFoundError:
            continue
    return "unknown"


def llm_time() -> dict:
    """Return the current date and time, in UTC and in the local time zone"""
    import datetime
    import time as _time

    utc = datetime.datetime.now(datetime.timezone.utc)
    local = utc.astimezone()
    offset = local.strftime("%z")
    return {
        "utc_time": utc.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "utc_time_iso": utc.isoformat(),
        "local_timezone": local.tzname() or "",
        "local_time": local.strftime("%Y-%m-%d %H:%M:%S"),
        "timezone_offset": f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC",
        "is_dst": bool(_time.localtime().tm_isdst > 0),
    }
