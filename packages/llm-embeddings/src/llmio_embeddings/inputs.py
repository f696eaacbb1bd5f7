"""What ``llm embed-multi`` reads: (id, content) rows from a file, SQL or a folder.

Every reader gives the first value of a record as the ID and joins the others
(skipping empty ones) into the content. CSV, TSV, JSON and JSON lines are
parsed by sqlite-utils' ``rows_from_file``; a file is read and checked in full
before anything is embedded, so a bad line stores nothing. Problems are
:class:`InputError` with a one-line message naming the line or item.
"""

from __future__ import annotations

import codecs
import io
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from .errors import EmbeddingsError

Content = str | bytes
FORMATS = ("json", "csv", "tsv", "nl")
_EXTRA = "\0extra"  # where sqlite-utils puts values beyond the header's columns


class InputError(EmbeddingsError):
    """The input cannot be read as rows to embed."""


@dataclass
class InputRows:
    """Rows to embed, how many there are, and what could not be used."""

    rows: Iterable[tuple[str, Content]]
    total: int
    #: (directory, pattern) pairs of ``files=`` that matched no file.
    unmatched: list[tuple[str, str]] = field(default_factory=list)

    def entries(
        self, prefix: str = "", prepend: str | None = None
    ) -> Iterator[tuple[str, Content, None]]:
        """``(id, value, metadata)`` for ``Collection.embed_multi_with_metadata``:
        ``prefix`` before every ID, ``prepend`` before every text value."""
        for id, value in self.rows:
            if prepend and isinstance(value, str):
                value = prepend + value
            yield prefix + str(id), value, None


def read_input(
    path: str | Path | None = None,
    *,
    format: str | None = None,
    stdin: BinaryIO | None = None,
    sql: str | None = None,
    db: sqlite3.Connection | None = None,
    attach: Sequence[tuple[str, str]] = (),
    files: Sequence[tuple[str, str]] = (),
    encodings: Sequence[str] = ("utf-8", "latin-1"),
    binary: bool = False,
    on_skip: Callable[[str], Any] | None = None,
) -> InputRows:
    """Rows from exactly one source: a file (``path``, ``"-"`` for ``stdin``),
    a ``sql`` query against ``db`` (with databases to ``attach``), or the
    ``files`` matching (directory, glob) pairs. ``on_skip(message)`` hears of
    files that cannot be read or decoded (they are left out)."""
    if sum(1 for given in (path, sql, files) if given) != 1:
        raise InputError("Provide exactly one of: an input path, --sql or --files")
    if path:
        rows = rows_from_file(path, format, stdin=stdin)
        return InputRows(rows, len(rows))
    if sql:
        if not isinstance(db, sqlite3.Connection):
            raise InputError("--sql needs a SQLite database to run against")
        rows = rows_from_sql(db, sql, attach)
        return InputRows(rows, len(rows))
    check_encodings(encodings)
    paths, unmatched = file_paths(files)
    return InputRows(rows_from_files(paths, encodings, binary, on_skip), len(paths), unmatched)


def check_encodings(encodings: Iterable[str]) -> None:
    for encoding in encodings:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise InputError(f"Unknown encoding: {encoding}") from exc


def row_values(values: list[Any], where: str) -> tuple[str, str]:
    """(id, content) from one record: the first value is the ID, the rest are joined."""
    if len(values) < 2:
        raise InputError(f"{where}: expected at least two columns, an ID and content to embed")
    id = values[0]
    if id is None or id == "":
        raise InputError(f"{where}: the ID (first column) is empty")
    parts = []
    for value in values[1:]:
        if value is None or value == "":
            continue
        parts.append(value if isinstance(value, str) else json.dumps(value))
    return str(id), " ".join(parts)


# -- files ------------------------------------------------------------------------------


def read_text(data: bytes, name: str, binary_hint: bool = True) -> str:
    """``data`` decoded as UTF-8, or an InputError saying where it is not."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = " (use --binary for binary content)" if binary_hint else ""
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{name} is not valid UTF-8 text: line {line}, byte {exc.start}{hint}"
        ) from exc


def read_bytes(path: str | Path) -> bytes:
    if Path(path).is_dir():
        raise InputError(f"{path} is a directory")
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from exc


def detect_format(text: str) -> str:
    """json for a list, nl for objects one per line, tsv if the first line has a tab, else csv."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "nl"
    first_line = stripped.split("\n", 1)[0]
    return "tsv" if "\t" in first_line else "csv"


def rows_from_file(
    path: str | Path, format: str | None = None, stdin: BinaryIO | None = None
) -> list[tuple[str, str]]:
    """Every row of a CSV, TSV, JSON (a list of objects) or JSON-lines file;
    ``"-"`` reads ``stdin`` (default: the process's standard input)."""
    if str(path) == "-":
        import sys

        name = "standard input"
        data = (stdin or sys.stdin.buffer).read()
        text = read_text(data, "Standard input", binary_hint=False)
    else:
        name = str(path)
        text = read_text(read_bytes(path), name, binary_hint=False)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise InputError(f"No data found in {name}")
    format = format or detect_format(text)
    if format not in FORMATS:
        raise InputError(f"Unknown format: {format}")
    if format in ("csv", "tsv"):
        return _rows_from_csv(text, "\t" if format == "tsv" else ",")
    if format == "json":
        return _rows_from_json(text)
    return _rows_from_nl(text)


def _rows_from_csv(text: str, delimiter: str) -> list[tuple[str, str]]:
    import csv

    from sqlite_utils.utils import Format, RowError, rows_from_file

    csv.field_size_limit(2**31 - 1)
    dialect = csv.excel_tab if delimiter == "\t" else csv.excel
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), dialect), [])
    except csv.Error as exc:
        raise InputError(f"Line 1: {exc}") from exc
    if len(header) < 2:
        raise InputError("Line 1: expected at least two columns, an ID and content to embed")
    records, _ = rows_from_file(
        io.BytesIO(text.encode("utf-8")), Format.CSV, dialect=dialect, extras_key=_EXTRA
    )
    rows = []
    line = 1  # records counted after the header (quoted newlines are not counted)
    try:
        for record in records:
            line += 1
            values = list(record.values())
            extra = record.pop(_EXTRA, None)
            found = len(record) + len(extra) if extra else sum(v is not None for v in values)
            if found != len(header):
                raise InputError(f"Line {line}: expected {len(header)} columns, found {found}")
            rows.append(row_values(list(record.values()), f"Line {line}"))
    except (csv.Error, RowError) as exc:
        raise InputError(f"Line {line}: {exc}") from exc
    return rows


def _rows_from_json(text: str) -> list[tuple[str, str]]:
    from sqlite_utils.utils import Format, RowsFromFileBadJSON, rows_from_file

    try:
        items, _ = rows_from_file(io.BytesIO(text.encode("utf-8")), Format.JSON)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"Invalid JSON on line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except RowsFromFileBadJSON as exc:
        raise InputError("JSON input must be a list of objects") from exc
    rows = []
    for index, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise InputError(f"JSON item {index} is not an object")
        rows.append(row_values(list(item.values()), f"JSON item {index}"))
    return rows


class _NumberedLines:
    """The lines of a text, remembering the number of the last one handed out."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for number, line in enumerate(self.lines, 1):
            self.number = number
            yield line


def _rows_from_nl(text: str) -> list[tuple[str, str]]:
    from sqlite_utils.utils import Format, rows_from_file

    lines = _NumberedLines(text)
    items, _ = rows_from_file(lines, Format.NL)  # type: ignore[arg-type]
    rows = []
    try:
        for item in items:
            if not isinstance(item, dict):
                raise InputError(f"Line {lines.number}: expected a JSON object")
            rows.append(row_values(list(item.values()), f"Line {lines.number}"))
    except json.JSONDecodeError as exc:
        raise InputError(f"Invalid JSON on line {lines.number}: {exc.msg}") from exc
    return rows


# -- SQL --------------------------------------------------------------------------------


def rows_from_sql(
    db: sqlite3.Connection, sql: str, attach: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    """Every row of a query (with ``attach`` databases available by alias)."""
    import sqlite_utils

    database = sqlite_utils.Database(db)
    try:
        for alias, path in attach:
            database.attach(alias, path)
        cursor = database.execute(sql)
        records = cursor.fetchall()
    except sqlite3.Error as exc:
        raise InputError(f"SQL error: {exc}") from exc
    if cursor.description is not None and len(cursor.description) < 2:
        raise InputError(
            "The SQL query must return at least two columns: an ID and content to embed"
        )
    rows = []
    for number, record in enumerate(records, 1):
        values = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in record]
        rows.append(row_values(values, f"SQL row {number}"))
    return rows


# -- a folder of files ------------------------------------------------------------------


def file_paths(
    files: Sequence[tuple[str, str]],
) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """(id, path) for every file matching each (directory, glob) pair, sorted,
    and the pairs that matched nothing."""
    found = []
    unmatched = []
    for directory, pattern in files:
        root = Path(directory)
        matched = [path for path in sorted(root.glob(pattern)) if path.is_file()]
        if not matched:
            unmatched.append((directory, pattern))
        found.extend((path.relative_to(root).as_posix(), path) for path in matched)
    return found, unmatched


def rows_from_files(
    paths: Sequence[tuple[str, Path]],
    encodings: Sequence[str],
    binary: bool,
    on_skip: Callable[[str], Any] | None = None,
) -> Iterator[tuple[str, Content]]:
    """Read files lazily; those that cannot be read or decoded are left out."""
    for id, path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            if on_skip is not None:
                on_skip(f"Could not read {path}: {exc.strerror or exc}")
            continue
        if binary:
            yield id, data
            continue
        for encoding in encodings:
            try:
                yield id, data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            if on_skip is not None:
                on_skip(f"Could not decode {path} using encodings: {', '.join(encodings)}")
