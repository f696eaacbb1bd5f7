"""The command line holds no SQL: every query lives in the libraries (llm.logs,
llmio_embeddings), where a Python user can call it too."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "packages" / "llm-cli" / "src"

# A statement keyword followed, within the same string, by the word that makes it SQL.
SQL = re.compile(
    r"\b(?:select\b.{0,400}?\bfrom|insert\b.{0,40}?\binto|update\b.{0,80}?\bset"
    r"|delete\b.{0,40}?\bfrom|create\b.{0,60}?\b(?:table|index|view|trigger))\b"
    r"|\bwhere\b.{0,80}?(?:=|\blike\b|\bin\s*\(|\bis\s+(?:not\s+)?null\b)\s*(?:\?|:\w|'|\()",
    re.IGNORECASE | re.DOTALL,
)
# Running SQL from the CLI (even SQL built elsewhere) is the library's job too.
CALLS = re.compile(r"\.(?:execute|executemany|executescript|rows_where)\(")


def strings(source: str) -> list[str]:
    """Each string literal, with implicitly concatenated pieces ("a " "b", also
    across lines) joined into one, so SQL spread over several lines is seen whole."""
    found: list[str] = []
    pieces: list[str] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING:
            pieces.append(token.string)
        elif token.type in (tokenize.NL, tokenize.COMMENT) and pieces:
            continue
        elif pieces:
            found.append("\n".join(pieces))
            pieces = []
    if pieces:
        found.append("\n".join(pieces))
    return found


def offences(source: str) -> list[str]:
    bad = [text for text in strings(source) if SQL.search(text)]
    bad += [match.group(0).strip() for match in CALLS.finditer(source)]
    return bad


def test_the_detector_sees_sql_in_every_shape():
    assert offences('x = "select id from responses"')
    assert offences('x = (\n    "select id, prompt "\n    "from responses where id = ?"\n)')
    assert offences('x = """\n    SELECT id,\n        prompt\n    FROM responses\n"""')
    assert offences("x = f\"update [{table}] set name = ?\"")
    assert offences('x = "insert or replace into fragment_aliases (alias) values (?)"')
    assert offences('x = "delete from fragment_aliases"')
    assert offences('x = "create table if not exists t (id)"')
    assert offences('where.append("responses.model = ?")\nwhere = "responses.model = ?"') == []
    assert offences('x = " and ".join(where) + " where collection_id = ?"')
    assert offences("db.execute(sql)")
    assert offences("conn.executemany(sql, rows)")
    assert offences('doc = "Delete stored keys, then create them again"') == []


def test_no_sql_in_the_command_line_package():
    found = {
        str(path.relative_to(SRC)): bad
        for path in sorted(SRC.rglob("*.py"))
        if (bad := offences(path.read_text(encoding="utf-8")))
    }
    assert found == {}
