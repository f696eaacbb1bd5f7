"""``llm tools``: list the tools plugins (and ``--functions`` code) provide."""

from __future__ import annotations

import inspect
import json
from typing import Any

import click

_NOT_TOOLS = (
    "name",
    "add_tool",
    "method_tools",
    "tools",
    "prepare",
    "prepare_async",
    "introspect_methods",
    "config",
)


def _annotation(value: Any) -> str:
    if isinstance(value, str):
        return value
    return inspect.formatannotation(value)


def signature(function: Any, name: str | None = None, skip_self: bool = False) -> str:
    """``name(a: str, b: int = 2) -> str`` for a tool's implementation."""
    try:
        try:
            sig = inspect.signature(function, eval_str=True)
        except Exception:  # noqa: BLE001 - unresolvable string annotations
            sig = inspect.signature(function)
    except (TypeError, ValueError):
        return f"{name or function.__name__}(...)"
    params = []
    for index, (pname, param) in enumerate(sig.parameters.items()):
        if (skip_self and index == 0) or pname == "llm_tool_call":
            continue
        text = pname
        if param.kind is param.VAR_POSITIONAL:
            text = "*" + pname
        elif param.kind is param.VAR_KEYWORD:
            text = "**" + pname
        if param.annotation is not param.empty:
            text += f": {_annotation(param.annotation)}"
        if param.default is not param.empty:
            text += f" = {param.default!r}"
        params.append(text)
    result = f"{name or function.__name__}({', '.join(params)})"
    if sig.return_annotation is not sig.empty:
        result += f" -> {_annotation(sig.return_annotation)}"
    return result


def _schema_signature(tool: Any) -> str:
    """A signature from the JSON schema, for tools without a Python implementation."""
    properties = (tool.input_schema or {}).get("properties") or {}
    bits = []
    for pname, sub in properties.items():
        kind = sub.get("type") if isinstance(sub, dict) else None
        bits.append(f"{pname}: {kind}" if kind else pname)
    return f"{tool.name}({', '.join(bits)})"


def tool_signature(tool: Any) -> str:
    if tool.implementation is None:
        return _schema_signature(tool)
    return signature(tool.implementation, tool.name)


def toolbox_methods(cls: Any) -> list[tuple[str, Any]]:
    """Public methods of a Toolbox class: what its instances offer as tools."""
    methods = []
    for attr in sorted(dir(cls)):
        if attr.startswith("_") or attr in _NOT_TOOLS:
            continue
        value = getattr(cls, attr)
        if inspect.isfunction(value):
            methods.append((attr, value))
    return methods


def collect(functions: tuple = ()) -> tuple[list[dict], list[dict]]:
    """``(tools, toolboxes)`` as dicts, plugin tools first, then ``--functions`` ones."""
    import llm

    from ..tooling import load_functions

    entries: dict[str, Any] = dict(llm.get_tools())
    for item in load_functions(functions):
        if isinstance(item, type):
            entries[item.name or item.__name__] = item
        else:
            entries[item.__name__] = llm.Tool.function(item)
    tools: list[dict] = []
    toolboxes: list[dict] = []
    for name, entry in sorted(entries.items(), key=lambda pair: pair[0].lower()):
        if isinstance(entry, type) and issubclass(entry, llm.Toolbox):
            methods = []
            for attr, function in toolbox_methods(entry):
                tool = llm.Tool.function(function, name=f"{name}_{attr}")
                schema = dict(tool.input_schema)
                methods.append(
                    {
                        "name": tool.name,
                        "description": tool.description,
                        "arguments": schema,
                        "signature": signature(function, tool.name, skip_self=True),
                    }
                )
            toolboxes.append(
                {
                    "name": name,
                    "description": inspect.cleandoc(entry.__doc__) if entry.__doc__ else None,
                    "plugin": getattr(entry, "_plugin", None),
                    "tools": methods,
                }
            )
        else:
            tools.append(
                {
                    "name": name,
                    "description": entry.description,
                    "arguments": entry.input_schema,
                    "plugin": entry.plugin,
                    "signature": tool_signature(entry),
                }
            )
    return tools, toolboxes


def collect_server_side(model: Any) -> list[dict]:
    """The server-side tools ``model`` accepts (``-T Name`` or ``-T 'Name(args)'``)."""
    from ..tooling import server_side_tools

    found = []
    for class_name, cls in sorted(server_side_tools(model).items(), key=lambda pair: pair[0].lower()):
        found.append({
            "name": class_name,
            "tool_name": getattr(cls, "name", None) or None,
            "description": inspect.cleandoc(cls.__doc__) if cls.__doc__ else None,
            "plugin": getattr(cls, "plugin", None) or _module_distribution(cls),
            "signature": signature(cls.__init__, class_name, skip_self=True).removesuffix(" -> None"),
        })
    return found


def _module_distribution(cls: Any) -> str | None:
    """The distribution a class comes from (for classes that do not say)."""
    from importlib.metadata import packages_distributions

    top = (getattr(cls, "__module__", "") or "").split(".")[0]
    names = packages_distributions().get(top) or []
    return names[0] if names else None


def render_server_side(model_id: str, entries: list[dict]) -> str:
    lines = [f"Server-side tools for {model_id} (run by the provider):", ""]
    for entry in entries:
        lines.extend(_entry_lines(entry))
    return "\n".join(lines).rstrip("\n")


def _entry_lines(entry: dict) -> list[str]:
    """A tool's signature (and plugin), then its indented description."""
    head = entry["signature"]
    if entry["plugin"]:
        head += f" (plugin: {entry['plugin']})"
    lines = [head]
    if entry["description"]:
        lines.append("")
        lines.extend(_indented(entry["description"], "  "))
    lines.append("")
    return lines


def _indented(text: str | None, prefix: str) -> list[str]:
    if not text:
        return []
    return [(prefix + line) if line.strip() else "" for line in text.strip().split("\n")]


def render(tools: list[dict], toolboxes: list[dict]) -> str:
    lines: list[str] = []
    for tool in tools:
        lines.extend(_entry_lines(tool))
    if toolboxes:
        lines.append("Toolboxes:")
        lines.append("")
        for box in toolboxes:
            head = box["name"]
            if box["plugin"]:
                head += f" (plugin: {box['plugin']})"
            lines.append(head + ":")
            lines.append("")
            if box["description"]:
                lines.extend(_indented(box["description"], "  "))
                lines.append("")
            for method in box["tools"]:
                lines.append("  " + method["signature"])
                lines.extend(_indented(method["description"], "    "))
            lines.append("")
    return "\n".join(lines).rstrip("\n")


def register(cli: click.Group) -> None:
    from ..app import DefaultSubGroup

    @cli.group(name="tools", cls=DefaultSubGroup, default="list", default_if_no_args=True)
    def tools_group() -> None:
        "Manage tools that can be made available to LLMs"

    @tools_group.command(name="list")
    @click.option("json_", "--json", is_flag=True, help="Output as JSON")
    @click.option(
        "functions",
        "--functions",
        multiple=True,
        help="Python code (or a .py file) defining functions to include",
    )
    @click.option("model_id", "-m", "--model",
                  help="Also list the server-side tools this model supports")
    def tools_list(json_: bool, functions: tuple, model_id: str | None) -> None:
        "List available tools that have been provided by plugins"
        import llm

        tools, toolboxes = collect(functions)
        server_side = None
        if model_id:
            model = llm.get_model(model_id)
            server_side = collect_server_side(model)
        if json_:
            for item in tools:
                item.pop("signature")
            for box in toolboxes:
                for method in box["tools"]:
                    method.pop("signature")
            data: dict[str, Any] = {"tools": tools, "toolboxes": toolboxes}
            if server_side is not None:
                for entry in server_side:
                    entry.pop("signature")
                data["server_side_tools"] = server_side
            click.echo(json.dumps(data, indent=2))
            return
        if not tools and not toolboxes and not server_side:
            click.echo("No tools found", err=True)
            return
        sections = [render(tools, toolboxes)] if tools or toolboxes else []
        if server_side:
            sections.append(render_server_side(model.model_id, server_side))
        click.echo("\n\n".join(sections))
