"""Tools on the command line: ``-T/--tool``, ``--functions``, ``--td`` and ``--ta``.

- :func:`parse_tool_spec` splits ``-T 'Name(args)'`` into a name and arguments.
  Arguments are Python literals or JSON, never evaluated as code: ``Files(".")``,
  ``Files(path=".")`` and ``Files({"path": "."})`` all pass ``path="."``
  (a single JSON object becomes keyword arguments).
- :func:`load_functions` runs ``--functions`` code (literal code or a ``.py``
  file) and returns the functions it defines (and any Toolbox classes).
- :func:`resolve_tools` turns ``-T`` values and ``--functions`` code into the
  ``tools=`` list for ``model.chain()``.
- :func:`tool_callbacks` builds ``before_call`` / ``after_call`` for ``--td``
  (print each call and its result to stderr) and ``--ta`` (ask before each call).
- :func:`reattach_tools` gives ``-c`` the implementations of the tools a logged
  conversation used, so ``-T`` need not be repeated.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

_SPEC = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.DOTALL)


@dataclass
class ToolSpec:
    name: str
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    has_arguments: bool = False


def _literal_arguments(text: str) -> tuple[list, dict]:
    """``"a", 1, x=True`` → ([..], {..}) using Python literals only (then JSON)."""
    try:
        call = ast.parse(f"_({text})", mode="eval").body
        if not isinstance(call, ast.Call):  # e.g. "1) or (2"
            raise TypeError("not an argument list")
        args = [ast.literal_eval(node) for node in call.args]
        kwargs = {}
        for keyword in call.keywords:
            if keyword.arg is None:
                raise ValueError("**kwargs are not supported")
            kwargs[keyword.arg] = ast.literal_eval(keyword.value)
        return args, kwargs
    except (SyntaxError, ValueError, TypeError, RecursionError):
        pass
    try:
        value = json.loads(f"[{text}]")  # JSON spellings: true, false, null
    except ValueError:
        raise click.ClickException(
            f"Could not parse tool arguments ({text}): use JSON or Python literals"
        ) from None
    return value, {}


def parse_tool_spec(spec: str) -> ToolSpec:
    """``Name`` or ``Name(args)`` → a :class:`ToolSpec`."""
    match = _SPEC.match(spec)
    if not match:
        raise click.ClickException(f"Invalid tool: {spec!r} (use NAME or 'Toolbox(arguments)')")
    name, inner = match.group(1), match.group(2)
    if inner is None:
        return ToolSpec(name)
    inner = inner.strip()
    if not inner:
        return ToolSpec(name, has_arguments=True)
    args, kwargs = _literal_arguments(inner)
    if len(args) == 1 and not kwargs and isinstance(args[0], dict) and inner.startswith("{"):
        # A single JSON object configures the toolbox by keyword.
        kwargs, args = args[0], []
    return ToolSpec(name, args, kwargs, has_arguments=True)


# ---------------------------------------------------------------- --functions


def _functions_source(value: str) -> tuple[str, str]:
    """(code, label): a path to an existing file is read, anything else is code."""
    looks_like_path = "\n" not in value and len(value) < 1024
    if looks_like_path and os.path.isfile(os.path.expanduser(value)):
        path = os.path.expanduser(value)
        with open(path, encoding="utf-8") as fp:
            return fp.read(), path
    if looks_like_path and value.strip().endswith(".py") and " " not in value.strip():
        raise click.ClickException(f"File not found: {value}")
    return value, "<functions>"


def load_functions(values: Iterable[str]) -> list[Any]:
    """Execute each ``--functions`` value; return its functions and Toolbox classes."""
    import llm

    found: list[Any] = []
    for value in values:
        code, label = _functions_source(value)
        module_name = "llm_functions"
        namespace: dict[str, Any] = {"__name__": module_name}
        try:
            compiled = compile(code, label, "exec")
            exec(compiled, namespace)  # noqa: S102 - running the user's code is the point
        except Exception as exc:
            raise click.ClickException(
                f"Error in --functions code: {exc.__class__.__name__}: {exc}"
            ) from exc
        for name, value_ in namespace.items():
            if name.startswith("_"):
                continue
            defined_here = getattr(value_, "__module__", None) == module_name
            is_function = inspect.isfunction(value_)
            is_toolbox = isinstance(value_, type) and issubclass(value_, llm.Toolbox)
            if defined_here and (is_function or is_toolbox):
                found.append(value_)
    return found


# ---------------------------------------------------------------- -T


def _available(functions: Sequence[Any] = ()) -> dict[str, Any]:
    """Name → Tool (or Toolbox class): plugin tools, then --functions ones."""
    import llm

    available = dict(llm.get_tools())
    for item in functions:
        if isinstance(item, type):
            available[item.name or item.__name__] = item
        else:
            tool = llm.Tool.function(item)
            available[tool.name] = tool
    return available


def _instantiate(name: str, cls: Any, spec: ToolSpec, kind: str = "toolbox") -> Any:
    try:
        return cls(*spec.args, **spec.kwargs)
    except (TypeError, ValueError) as exc:
        raise click.ClickException(f"Could not create {kind} {name}: {exc}") from exc


def server_side_tools(model: Any) -> dict[str, Any]:
    """Class name → ``llm.ServerSideTool`` subclass, for those ``model`` accepts
    (named with ``-T``, like toolboxes: ``-T WebSearch``, ``-T 'WebSearch(max_uses=2)'``)."""
    import llm

    if model is None:
        return {}
    supported = getattr(model, "supported_server_side_tools", ()) or ()
    if callable(supported):
        supported = supported()
    return {cls.__name__: cls for cls in supported
            if isinstance(cls, type) and issubclass(cls, llm.ServerSideTool) and cls is not llm.ServerSideTool}


def resolve_tools(
    tool_specs: Sequence[str] = (),
    functions: Sequence[str] = (),
    defined: Sequence[Any] | None = None,
    model: Any = None,
) -> list[Any]:
    """The ``tools=`` list for ``-T`` values and ``--functions`` code.

    Every function in ``--functions`` is a tool; a Toolbox class defined there
    is used only when named with ``-T``; so are the server-side tools ``model``
    supports. Unknown names are an error listing the tools that exist."""
    import llm

    if defined is None:
        defined = load_functions(functions)
    available = {**server_side_tools(model), **_available(defined)}
    tools: list[Any] = [item for item in defined if not isinstance(item, type)]
    seen = {item.__name__ for item in tools}
    missing = []
    for raw in tool_specs:
        spec = parse_tool_spec(raw)
        target = available.get(spec.name)
        if target is None:
            missing.append(spec.name)
            continue
        if isinstance(target, type) and issubclass(target, llm.Toolbox):
            tools.append(_instantiate(spec.name, target, spec))
            continue
        if isinstance(target, type) and issubclass(target, llm.ServerSideTool):
            tools.append(_instantiate(spec.name, target, spec, kind="server-side tool"))
            continue
        if spec.has_arguments:
            raise click.ClickException(f"Tool {spec.name} is a function, it takes no arguments")
        if spec.name in seen:
            continue
        seen.add(spec.name)
        tools.append(target)
    if missing:
        names = ", ".join(sorted(available)) or "(none)"
        raise click.ClickException(
            "Tool{} {} not found. Available tools: {}".format(
                "s" if len(missing) > 1 else "", ", ".join(missing), names
            )
        )
    return tools


def reattach_tools(
    conversation: Any, tools: Sequence[Any] = (), defined: Sequence[Any] = (), db: Any = None
) -> list[Any]:
    """Tools for continuing ``conversation`` (``-c``): ``tools`` given on this command
    line, plus implementations for every other tool the conversation's prompts
    offered, found by name among plugin tools and ``defined`` (what
    :func:`load_functions` returned for ``--functions``). A toolbox is rebuilt
    with the constructor arguments logged for it (``tool_instances``); a tool
    that cannot be found is reported with a warning."""
    import llm
    from llm.tools import expand_tools

    if conversation is None:
        return list(tools)
    result = list(tools)
    have = {t.name for t in expand_tools(list(tools))}
    wanted: list[str] = []
    for response in conversation.responses:
        for tool in getattr(response.prompt, "tools", None) or []:
            if isinstance(tool, llm.ServerSideTool):
                continue  # the provider's own: given with -T again when wanted
            if tool.name not in have and tool.name not in wanted:
                wanted.append(tool.name)
    if not wanted:
        return result
    available = _available(defined)
    toolboxes = sorted(
        (
            key
            for key, value in available.items()
            if isinstance(value, type) and issubclass(value, llm.Toolbox)
        ),
        key=len,
        reverse=True,
    )
    boxes: dict[str, Any] = {}
    for name in wanted:
        target = available.get(name)
        if isinstance(target, llm.Tool):
            result.append(target)
            have.add(name)
            continue
        box_name = next((key for key in toolboxes if name.startswith(key + "_")), None)
        if box_name is None or box_name in boxes:
            continue
        cls = available[box_name]
        config = _logged_toolbox_config(db, conversation.id, box_name)
        try:
            instance = cls(**config)
        except TypeError:
            continue
        boxes[box_name] = instance
        result.append(instance)
    have |= {t.name for t in expand_tools(list(boxes.values()))}
    for name in wanted:
        if name not in have:
            click.echo(
                f"Warning: tool {name}, used earlier in this conversation, is not available",
                err=True,
            )
    return result


# ---------------------------------------------------------------- toolbox instances in logs.db


def _logged_toolbox_config(db: Any, conversation_id: str, name: str) -> dict:
    if db is None:
        return {}
    import llm.logs

    return llm.logs.as_store(db).toolbox_config(conversation_id, name)


def log_toolbox_instances(db: Any, responses: Sequence[Any], tools: Sequence[Any]) -> None:
    """Record each toolbox used (plugin, name, constructor arguments) in
    ``tool_instances`` and point the tool results it produced at it, so that a
    continued conversation can rebuild it."""
    import llm.logs

    llm.logs.as_store(db).log_toolbox_instances(responses, tools)


# ---------------------------------------------------------------- --td / --ta


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        text = str(exc.args[0])
    else:
        text = str(exc)
    return " ".join(text.split()) or exc.__class__.__name__


def confirm(question: str) -> bool:
    """Ask a yes/no question (default no). When standard input is piped (it may
    hold the prompt), ask on the terminal instead, if there is one."""
    from . import prompting as p

    if not p.stdin_is_tty():
        answer = _ask_terminal(f"{question} [y/N]: ")
        if answer is not None:
            return answer.strip().lower() in ("y", "yes")
    return click.confirm(question, default=False, err=True)


def _ask_terminal(question: str) -> str | None:
    """Ask on the controlling terminal; None when there is none."""
    try:
        with open("/dev/tty", "r+", encoding="utf-8") as tty:
            tty.write(question)
            tty.flush()
            return tty.readline()
    except OSError:
        return None


def format_call(tool_call: Any) -> str:
    arguments = json.dumps(tool_call.arguments or {}, default=repr)
    return f"Tool call: {tool_call.name}({arguments})"


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(prefix + line for line in (text or "").split("\n"))


def tool_callbacks(debug: bool = False, approve: bool = False) -> tuple[Any, Any]:
    """``(before_call, after_call)`` for ``--td`` and ``--ta`` (either may be None).

    ``--td`` prints ``Tool call: name({...})`` before each call and the result,
    indented, after it; ``--ta`` shows the call and asks ``Approve tool call?``,
    cancelling the call (the model is told) unless the answer is yes. All of it
    goes to stderr so stdout carries only the model's reply."""
    import llm

    before_call = after_call = None
    if debug or approve:

        def before_call(tool: Any | None, tool_call: Any) -> None:
            click.echo(click.style(format_call(tool_call), fg="yellow", bold=True), err=True)
            if approve and not confirm("Approve tool call?"):
                raise llm.CancelToolCall("The user did not approve this tool call")

    if debug:

        def after_call(tool: Any | None, tool_call: Any, tool_result: Any) -> None:
            click.echo(click.style(_indent(str(tool_result.output)), fg="green"), err=True)

    return before_call, after_call


# ---------------------------------------------------------------- running a chain


def _sum_usage(responses: Sequence[Any]) -> Any:
    import llm

    total_in = total_out = None
    details: dict = {}
    for response in responses:
        usage = response.usage()
        if usage.input is not None:
            total_in = (total_in or 0) + usage.input
        if usage.output is not None:
            total_out = (total_out or 0) + usage.output
        for key, value in (usage.details or {}).items():
            if isinstance(value, (int, float)) and isinstance(details.get(key, 0), (int, float)):
                details[key] = details.get(key, 0) + value
            else:
                details.setdefault(key, value)
    return llm.Usage(input=total_in, output=total_out, details=details or None)


class _Printer:
    """Streams the text of every response in a chain, one response per line."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self.last = ""

    def start_response(self) -> None:
        if self.show and self.last and not self.last.endswith("\n"):
            self.write("\n")

    def write(self, chunk: str) -> None:
        from . import prompting as p

        if self.show and chunk:
            p.echo_chunk(chunk)
            self.last = chunk

    def finish(self) -> None:
        from . import prompting as p

        if self.show:
            p.echo_chunk("\n")


def open_logs_db(path: str | None = None) -> Any:
    """logs.db, or the ``-d/--database`` file, created and migrated if needed (a LogStore)."""
    import llm.logs

    return llm.logs.open(path)


def run_chain(
    target: Any,
    prompt_text: str | None,
    kwargs: dict,
    *,
    tools: Sequence[Any] = (),
    before_call: Any = None,
    after_call: Any = None,
    chain_limit: int | None = None,
    stream: bool = True,
    show_chunks: bool = True,
    async_: bool = False,
    log: bool = True,
    database: str | None = None,
    extract: bool = False,
    extract_last: bool = False,
    usage: bool = False,
    json_output: bool = False,
) -> list[Any]:
    """Run ``target.chain(...)`` (a model or a conversation) for the CLI.

    Prints the text of each response as it streams (or the whole reply at the
    end with ``-x``, or the response as JSON with ``--json``), logs each
    response as it completes (to ``database`` if given), records toolbox
    instances, reports summed usage. Returns the chain's responses (sync)."""
    import llm

    from . import prompting as p
    from . import running
    from .running import Interrupted

    model = getattr(target, "model", target)
    if tools and not getattr(model, "supports_tools", False):
        raise click.ClickException(f"Model {model.model_id} does not support tools")
    show = show_chunks and not json_output and not (extract or extract_last)
    printer = _Printer(show)
    done: list[Any] = []
    db = open_logs_db(database) if log else None
    current: list[Any] = [None]
    as_dict: dict | None = None

    def keep(response: Any) -> None:
        done.append(response)
        if db is not None:
            # Locked past the timeout, read-only, disk full: the answer was printed;
            # the record is kept and imported by the next write (issue 10).
            import llm.logs

            db_path = Path(database) if database else llm.logs_db_path()
            warning = llm.logs.log_or_keep(response, db_path=db_path)
            if warning:
                click.echo(warning, err=True)

    chain_kwargs = dict(kwargs)
    chain_kwargs.update(
        tools=list(tools),
        before_call=before_call,
        after_call=after_call,
        chain_limit=chain_limit,
        stream=stream,
    )
    # SIGTERM stops a chain the way Ctrl-C does, as it does a single prompt.
    sigterm = getattr(running, "_sigterm_interrupts", None)
    guard = sigterm() if sigterm is not None else contextlib.nullcontext()
    try:
        guard.__enter__()
        if async_:
            as_dict = _run_async_chain(
                target, prompt_text, chain_kwargs, printer, keep, current, json_output
            )
        else:
            chain = target.chain(prompt_text, **chain_kwargs)
            for response in chain.responses():
                current[0] = response
                printer.start_response()
                chunks = iter(response)
                try:
                    for chunk in chunks:
                        printer.write(chunk)
                finally:
                    # Stopped early (Ctrl-C): end the response so it keeps what arrived.
                    close = getattr(chunks, "close", None)
                    if close is not None:
                        close()
                current[0] = None
                keep(response)
    except KeyboardInterrupt as interrupt:
        terminated = getattr(running, "Terminated", None)
        exit_code = 143 if terminated is not None and isinstance(interrupt, terminated) else 130
        partial = current[0]
        if partial is not None and getattr(partial, "_started", False):
            if async_:
                import asyncio

                partial = asyncio.run(partial.to_sync_response())
            keep(partial)
        if show:
            printer.write("\n")
        raise Interrupted(partial, exit_code) from None
    except llm.PauseChain as pause:
        raise click.ClickException(f"Chain paused: {pause}") from pause
    except click.ClickException:
        raise
    except (llm.ModelError, ValueError, OSError) as exc:
        raise click.ClickException(_message(exc)) from exc
    finally:
        guard.__exit__(None, None, None)
        _finish_log(db, done, tools)

    if json_output:
        if done:
            if not async_:
                as_dict = done[-1].to_dict()
            click.echo(json.dumps(as_dict, indent=2, default=repr))
    elif show:
        printer.finish()
    else:
        text = "".join(r.text() for r in done)
        click.echo(p.extracted(text, extract, extract_last))
    if usage and done:
        line = p.usage_line(_sum_usage(done))
        if line:
            click.echo(line, err=True)
    return done


def _finish_log(db: Any, responses: Sequence[Any], tools: Sequence[Any]) -> None:
    if db is None:
        return
    try:
        log_toolbox_instances(db, responses, tools)
    finally:
        db.close()


def _run_async_chain(
    target: Any,
    prompt_text: str | None,
    chain_kwargs: dict,
    printer: _Printer,
    keep: Any,
    current: list,
    json_output: bool = False,
) -> dict | None:
    """Run an async chain; returns the last response's ``to_dict()`` when ``json_output``."""
    import asyncio

    async def main() -> dict | None:
        chain = target.chain(prompt_text, **chain_kwargs)
        last = None
        async for response in chain.responses():
            current[0] = response
            printer.start_response()
            async for chunk in response:
                printer.write(chunk)
            current[0] = None
            keep(await response.to_sync_response())
            last = response
        return last.to_dict() if json_output and last is not None else None

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None


# ---------------------------------------------------------------- the options, for prompt and chat


@dataclass
class ChainOptions:
    """What ``-T``, ``--functions``, ``--td``, ``--ta``, ``--cl``, ``--schema``,
    ``--schema-multi``, ``-f``, ``--sf``, ``-d`` and ``--json`` asked for."""

    tools: tuple = ()
    functions: tuple = ()
    tools_debug: bool = False
    tools_approve: bool = False
    chain_limit: int = 5
    schema: str | None = None
    schema_multi: str | None = None
    fragments: tuple = ()
    system_fragments: tuple = ()
    database: str | None = None
    json_output: bool = False

    # -- templates ------------------------------------------------------------

    def absorb_template(self, template: Any) -> Any:
        """Take a template's fragments, system fragments, tools and functions
        (they come before the command line's) and return the template without
        them, for the template code that does not know about them."""
        if template is None:
            return None
        self._check_trust(template)
        update: dict[str, Any] = {}
        for key in ("fragments", "system_fragments", "tools"):
            values = getattr(template, key, None)
            if values:
                setattr(self, key, tuple(values) + tuple(getattr(self, key)))
                update[key] = None
        if getattr(template, "functions", None):
            self.functions = (template.functions,) + tuple(self.functions)
            update["functions"] = None
        if (
            self.schema is None
            and self.schema_multi is None
            and getattr(template, "schema_object", None)
        ):
            pass  # the template's own schema is applied by template_extras()
        return template.model_copy(update=update) if update else template

    def _check_trust(self, template: Any) -> None:
        """A template from a URL or a loader runs no code and reads no local files
        (refused with one line); the tools it turns on without the user's own ``-T``
        make every tool call ask first (``--ta``)."""
        import llmio_templates

        if getattr(template, "trusted", True):
            return
        loaders: Any = ()
        if template.fragments or template.system_fragments:
            import llm

            loaders = llm.get_fragment_loaders()
        try:
            llmio_templates.check_trust(template, fragment_loaders=loaders)
        except llmio_templates.TemplateError as exc:
            raise click.ClickException(str(exc)) from None
        unapproved = llmio_templates.tools_needing_approval(template, self.tools)
        if unapproved and not self.tools_approve:
            self.tools_approve = True
            click.echo(llmio_templates.untrusted_tools_notice(template, unapproved), err=True)

    def template_fields(self) -> dict[str, Any]:
        """What ``--save`` stores in a template: fragments (file paths made
        absolute), tools, the ``--functions`` code and the schema."""
        if self.reads_stdin:
            raise click.ClickException("--save cannot store a fragment read from standard input")

        def stored(value: str) -> str:
            path = os.path.expanduser(value)
            return os.path.abspath(path) if os.path.exists(path) else value

        fields: dict[str, Any] = {}
        if self.fragments:
            fields["fragments"] = [stored(v) for v in self.fragments]
        if self.system_fragments:
            fields["system_fragments"] = [stored(v) for v in self.system_fragments]
        if self.tools:
            fields["tools"] = list(self.tools)
        if self.functions:
            fields["functions"] = (
                "\n\n".join(_functions_source(v)[0].strip("\n") for v in self.functions) + "\n"
            )
        schema = self.resolve_schema()
        if schema is not None:
            fields["schema_object"] = schema
        return fields

    # -- input ------------------------------------------------------------------

    @property
    def reads_stdin(self) -> bool:
        return "-" in self.fragments or "-" in self.system_fragments

    def _open_db(self) -> Any:
        import llm.logs

        return llm.logs.open(self.database, create=False)

    def resolve_fragments(self) -> tuple[list[Any], list[Any], list[Any]]:
        """``(fragments, system_fragments, attachments from loaders)``."""
        from .references import fragments_for

        fragments, attachments = fragments_for(self.fragments, database=self.database)
        system_fragments, _ = fragments_for(
            self.system_fragments, system=True, database=self.database
        )
        return fragments, system_fragments, attachments

    def resolve_schema(self) -> dict | None:
        from .references import schema_for

        if self.schema is not None and self.schema_multi is not None:
            raise click.ClickException("Use either --schema or --schema-multi, not both")
        value = self.schema_multi if self.schema_multi is not None else self.schema
        return schema_for(value, multi=self.schema_multi is not None, database=self.database)

    def prompt_extras(self, fragments: Sequence[Any], system_fragments: Sequence[Any]) -> dict:
        """Keyword arguments for the prompt: fragments, system fragments, schema."""
        extras: dict[str, Any] = {}
        if fragments:
            extras["fragments"] = list(fragments)
        if system_fragments:
            extras["system_fragments"] = list(system_fragments)
        schema = self.resolve_schema()
        if schema is not None:
            extras["schema"] = schema
        return extras

    # -- conversations and tools -----------------------------------------------------

    def load_conversation(
        self, continue_: bool, conversation_id: str | None, async_: bool = False, model: Any = None
    ) -> Any:
        """Like ``prompting.load_conversation``, from ``-d`` when given."""
        from . import prompting as p

        return p.load_conversation(continue_, conversation_id, async_=async_, model=model,
                                   database=self.database)

    def resolve_tools(self, conversation: Any = None, model: Any = None) -> list[Any]:
        """``-T`` and ``--functions`` tools (and ``model``'s server-side tools named
        with ``-T``), plus (with ``-c``) those the conversation used before."""
        defined = load_functions(self.functions)
        tools = resolve_tools(self.tools, defined=defined, model=model)
        if conversation is not None:
            db = self._open_db()
            try:
                tools = reattach_tools(conversation, tools, defined, db=db)
            finally:
                if db is not None:
                    db.close()
        return tools

    def callbacks(self) -> tuple[Any, Any]:
        return tool_callbacks(debug=self.tools_debug, approve=self.tools_approve)

    def uses_chain(self, tools: Sequence[Any]) -> bool:
        """Run through :func:`run_chain` (else the plain prompt runner)."""
        return bool(tools) or self.json_output or bool(self.database)


_CHAIN_FIELDS = (
    "tools",
    "functions",
    "tools_debug",
    "tools_approve",
    "chain_limit",
    "schema",
    "schema_multi",
    "fragments",
    "system_fragments",
    "database",
    "json_output",
)


def chain_options(*, json_option: bool = True) -> Any:
    """Decorator adding the tool, schema, fragment, ``-d`` and ``--json`` options to
    a command; the command receives them as one ``chain`` argument (a
    :class:`ChainOptions`)."""
    import functools

    options = [
        click.option(
            "tools",
            "-T",
            "--tool",
            multiple=True,
            help="Name of a tool to make available to the model",
        ),
        click.option(
            "functions",
            "--functions",
            multiple=True,
            help="Python code block or file path defining functions to register as tools",
        ),
        click.option(
            "tools_debug",
            "--td",
            "--tools-debug",
            is_flag=True,
            help="Show full details of tool executions",
            envvar="LLM_TOOLS_DEBUG",
        ),
        click.option(
            "tools_approve",
            "--ta",
            "--tools-approve",
            is_flag=True,
            help="Manually approve every tool execution",
        ),
        click.option(
            "chain_limit",
            "--cl",
            "--chain-limit",
            type=click.IntRange(min=0),
            metavar="INTEGER",
            default=5,
            show_default=True,
            help="How many chained tool responses to allow, 0 for unlimited",
        ),
        click.option("schema", "--schema", help="JSON schema, filepath, concise DSL or ID"),
        click.option(
            "schema_multi",
            "--schema-multi",
            help="JSON schema (or DSL, file, ID) to use for multiple results",
        ),
        click.option(
            "fragments",
            "-f",
            "--fragment",
            multiple=True,
            help="Fragment (alias, hash, URL, file path or prefix:argument) to add to the prompt",
        ),
        click.option(
            "system_fragments",
            "--sf",
            "--system-fragment",
            multiple=True,
            help="Fragment to add to the system prompt",
        ),
        click.option(
            "database",
            "-d",
            "--database",
            type=click.Path(dir_okay=False, file_okay=True, writable=True),
            help="Path to log database",
        ),
    ]
    if json_option:
        options.append(
            click.option(
                "json_output",
                "--json",
                is_flag=True,
                help="Output the response (with its chain) as JSON",
            )
        )

    def decorator(function: Any) -> Any:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in _CHAIN_FIELDS if name in kwargs}
            return function(*args, chain=ChainOptions(**values), **kwargs)

        for option in reversed(options):
            wrapper = option(wrapper)
        return wrapper

    return decorator
