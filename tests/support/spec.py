"""The documented help texts (tests/snapshots/help.md), and how ours is compared to them."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"


@lru_cache(maxsize=None)
def documented_help() -> dict[str, str]:
    """``{"keys list": "<help text>", "": <llm --help>, ...}`` from the snapshot of help.md."""
    text = (SNAPSHOTS / "help.md").read_text()
    found = {}
    for match in re.finditer(r"^#+ llm (.*?) --help\n```\n(.*?)\n```", text, re.MULTILINE | re.DOTALL):
        found[" ".join(match.group(1).split())] = match.group(2)
    return found


def entries(text: str) -> list[str]:
    """A help text as logical entries, whitespace normalised: each line before the first
    section, then each option or command with its help joined across wrapped lines."""
    found: list[str] = []
    in_section = False
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.rstrip().endswith(":") and not line.startswith(" "):
            in_section = True
            found.append(line.strip())
        elif in_section and line.startswith("   ") and found:
            found[-1] += " " + line.strip()
        else:
            found.append(line.strip())
    return [" ".join(entry.split()) for entry in found]


def missing_documented_entries(ours: str, documented: str) -> list[str]:
    """Documented entries absent from ``ours`` or out of their documented order.

    Entries may be added between documented ones: new options and commands."""
    ours_entries = entries(ours)
    missing, position = [], 0
    for entry in entries(documented):
        if entry in ours_entries[position:]:
            position = ours_entries.index(entry, position) + 1
        else:
            missing.append(entry)
    return missing
