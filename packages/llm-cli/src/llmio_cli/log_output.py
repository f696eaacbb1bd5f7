"""How ``llm logs`` prints logged responses: Markdown, JSON, short YAML and
``--data``. The rows come from ``llm.logs`` (``store.search(...)``): dicts with
the logged columns, ``attachments``, and fragments, tools, tool calls and
results and the schema where a response has them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

# ---------------------------------------------------------------- text helpers


def truncate_string(text: str | None, max_length: int = 100, normalize: bool = False) -> str:
    from llm.utils import truncate_string as truncate

    return truncate(text or "", max_length, normalize_whitespace=normalize) or ""


def extract_fenced_code_block(text: str | None, last: bool = False) -> str | None:
    from llm.utils import extract_fenced_code_block as extract

    return extract(text or "", last=last)


def _details(row: dict) -> dict | None:
    raw = row.get("token_details")
    if not raw:
        return None
    try:
        details = json.loads(raw)
    except ValueError:
        return None
    from llm.utils import simplify_usage_dict

    return simplify_usage_dict(details) if isinstance(details, dict) else details


def token_usage_string(
    input_tokens: int | None, output_tokens: int | None, details: dict | None
) -> str:
    bits = []
    if input_tokens is not None:
        bits.append(f"{input_tokens:,} input")
    if output_tokens is not None:
        bits.append(f"{output_tokens:,} output")
    if details:
        bits.append(json.dumps(details))
    return ", ".join(bits)


def _short_datetime(value: str | None) -> str:
    return (value or "").split(".")[0].split("+")[0]


# ---------------------------------------------------------------- rendering


def render_json(rows: list[dict], truncate: bool) -> str:
    output = []
    for row in rows:
        row = dict(row)
        # Only incomplete entries carry the key: complete ones keep the documented shape.
        if row.pop("incomplete", None):
            row["incomplete"] = True
        if truncate:
            row["prompt"] = truncate_string(row["prompt"])
            row["response"] = truncate_string(row["response"])
        for key in [k for k in row if k.endswith("_json") and row[k] is not None]:
            # Truncated output drops the bulky JSON columns; full output decodes them.
            if truncate:
                del row[key]
            else:
                try:
                    row[key] = json.loads(row[key])
                except ValueError:
                    pass
        output.append(row)
    return json.dumps(output, indent=2)


def render_short(rows: list[dict], usage: bool) -> str:
    import yaml  # only this output format needs it

    output = []
    for row in rows:
        item: dict[str, Any] = {
            "model": row["model"],
            "datetime": _short_datetime(row["datetime_utc"]),
            "conversation": row["conversation_id"],
        }
        if row["system"]:
            item["system"] = truncate_string(row["system"], 120, normalize=True)
        item["prompt"] = truncate_string(row["prompt"], 120, normalize=True)
        if row["attachments"]:
            item["attachments"] = [
                {"type": a["type"], **({"url": a["url"]} if a["url"] else {"path": a["path"]})}
                if (a["url"] or a["path"])
                else {"type": a["type"]}
                for a in row["attachments"]
            ]
        if usage:
            counts = {
                key: value
                for key, value in (("input", row["input_tokens"]), ("output", row["output_tokens"]))
                if value is not None
            }
            details = _details(row)
            if details:
                counts["details"] = details
            if counts:
                item["usage"] = counts
        output.append(item)
    return yaml.safe_dump(output, sort_keys=False, allow_unicode=True).rstrip("\n")


def render_markdown(rows: list[dict], *, truncate: bool, usage: bool, conversation_mode: bool):
    """Yield Markdown chunks; in conversation mode the header details appear once.

    Fragments, tools and schemas (which the library adds to rows that have them)
    are shown before and after the response.
    """
    show_details = True
    previous: tuple | None = None
    for row in rows:
        prompt, system, response = row["prompt"], row["system"], row["response"]
        if truncate:
            prompt, response = truncate_string(prompt), truncate_string(response)
            system = truncate_string(system) if system else None
        header = "# " + _short_datetime(row["datetime_utc"])
        if show_details:
            header += "    conversation: {} id: {}\n\nModel: **{}**\n".format(
                row["conversation_id"], row["id"], row["model"]
            )
        else:
            header += "\n"
        yield header
        if conversation_mode:
            show_details = False
        yield "## Prompt\n\n{}".format(prompt or "-- none --")
        # A system prompt repeated on every turn of a conversation is shown once.
        if system and previous != (row["conversation_id"], row["system"]):
            yield f"\n## System\n\n{system}"
        previous = (row["conversation_id"], row["system"])
        if row["attachments"]:
            yield "\n### Attachments\n"
            for number, attachment in enumerate(row["attachments"], 1):
                if attachment["path"]:
                    where = "`{}`".format(attachment["path"])
                elif attachment["url"]:
                    where = attachment["url"]
                else:
                    where = "`<{:,} bytes>`".format(attachment["content_length"] or 0)
                yield "{}. **{}**: {}".format(number, attachment["type"], where)
        yield from markdown_prompt_extras(row)
        if row.get("incomplete"):
            # Interrupted, cut off or timed out: only what arrived was logged.
            yield "\n## Response (incomplete)\n\n{}\n".format(
                response if response is not None else "")
        else:
            yield "\n## Response\n\n{}\n".format(response if response is not None else "")
        yield from markdown_response_extras(row)
        if usage:
            line = token_usage_string(row["input_tokens"], row["output_tokens"], _details(row))
            if line:
                yield f"## Token usage:\n\n{line}\n"


def _fragment_lines(title: str, fragments: list[dict]) -> Iterator[str]:
    yield f"\n### {title}\n"
    for number, fragment in enumerate(fragments, 1):
        where = f" from {fragment['source']}" if fragment.get("source") else ""
        yield f"{number}. `{fragment['hash']}`{where}"
        if "content" in fragment:
            yield "\n{}".format(fragment["content"])


def markdown_prompt_extras(row: dict) -> Iterator[str]:
    """Chunks after ``## Prompt``: fragments, tool results sent, schema."""
    if row.get("fragments"):
        yield from _fragment_lines("Fragments", row["fragments"])
    if row.get("system_fragments"):
        yield from _fragment_lines("System fragments", row["system_fragments"])
    if row.get("tool_results"):
        yield "\n### Tool results\n"
        for result in row["tool_results"]:
            yield "- **{}**: `{}`<br>\n{}".format(
                result["name"],
                result["tool_call_id"],
                "\n".join("    " + line for line in str(result["output"]).split("\n")),
            )
    if row.get("schema") is not None:
        yield "\n### Schema\n\n```json\n{}\n```".format(json.dumps(row["schema"], indent=2))


def markdown_response_extras(row: dict) -> Iterator[str]:
    """Chunks after ``## Response``: the tool calls the model made."""
    if row.get("tool_calls"):
        yield "### Tool calls\n"
        for call in row["tool_calls"]:
            yield "- **{}**: `{}`<br>\n    Arguments: {}".format(
                call["name"], call["tool_call_id"], json.dumps(call["arguments"])
            )
        yield ""


def render_data(items: Sequence[Any], array: bool = False) -> str:
    if array:
        return json.dumps(list(items), indent=2)
    return "\n".join(json.dumps(item) for item in items)


def human_size(size: float) -> str:
    units = ("B", "KB", "MB", "GB", "TB")
    index = 0
    while size >= 1024 and index < len(units) - 1:
        size /= 1024.0
        index += 1
    return f"{size:.2f}{units[index]}" if index else f"{int(size)}B"
