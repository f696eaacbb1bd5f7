"""Embedding commands: embed, embed-multi, similar, embed-models, collections.

Thin layers over :mod:`llmio_embeddings`; numpy and sqlite-utils are imported
inside the commands so that ``llm --help`` stays fast.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import llm

from ..app import DefaultSubGroup
from ..params import AtLeast

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from llmio_embeddings import Collection

DEFAULT_BATCH_SIZE = 100


# -- shared helpers -----------------------------------------------------------------


def _database_path(database: str | None) -> Path:
    return Path(database) if database else llm.user_dir() / "embeddings.db"


def _open_db(database: str | None, create: bool = True) -> sqlite3.Connection | None:
    """The embeddings database (WAL, busy timeout); None if it is missing and create is False."""
    from llmio_embeddings import open_database

    path = _database_path(database)
    if not create and not path.exists():
        return None
    if create and path.exists() and not os.access(path, os.W_OK):
        # Writing commands only: reading a read-only database is fine.
        raise click.ClickException(f"{path}: the database is read-only")
    from llm.logs import LogsDatabaseError

    try:
        return open_database(path, reading=not create)
    except LogsDatabaseError as exc:  # not an embeddings database: the message says so
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # sqlite3.DatabaseError and friends
        raise click.ClickException(f"Cannot open database {path}: {exc}") from exc


def _get_model(name: str | None) -> llm.EmbeddingModel:
    try:
        return llm.get_embedding_model(name)
    except llm.UnknownModelError as exc:
        raise click.ClickException(str(exc.args[0]) if exc.args else str(exc)) from exc


def _collection_for_writing(
    db: sqlite3.Connection, name: str, model_name: str | None
) -> Collection:
    """An existing collection (checking -m against it) or a new one using -m / the default."""
    from llmio_embeddings import Collection, EmbeddingsError

    try:
        if Collection.exists(db, name):
            return Collection(name, db, model_id=model_name)
        return Collection(name, db, model=_get_model(model_name))
    except EmbeddingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _existing_collection(database: str | None, name: str) -> Collection:
    from llmio_embeddings import Collection

    db = _open_db(database, create=False)
    if db is None or not Collection.exists(db, name):
        raise click.ClickException(f"Collection does not exist: {name}")
    return Collection(name, db)


def _read_input(path: str, binary: bool, binary_hint: bool = True) -> str | bytes:
    """Content of a file, or of standard input for '-'."""
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        if Path(path).is_dir():
            raise click.ClickException(f"{path} is a directory")
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise click.ClickException(f"Cannot read {path}: {exc.strerror or exc}") from exc
    if binary:
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = " (use --binary for binary content)" if binary_hint else ""
        name = "Standard input" if path == "-" else path
        line = data.count(b"\n", 0, exc.start) + 1
        raise click.ClickException(
            f"{name} is not valid UTF-8 text: line {line}, byte {exc.start}{hint}"
        ) from exc


def _content_to_embed(content: str | None, input_path: str | None, binary: bool) -> str | bytes:
    if content is not None:
        return content.encode("utf-8") if binary else content
    if input_path is None and _stdin_is_terminal():
        raise click.ClickException(
            "Provide content with -c/--content, -i/--input or on standard input"
        )
    return _read_input(input_path or "-", binary)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


# -- llm embed ----------------------------------------------------------------------


@click.command()
@click.argument("collection", required=False)
@click.argument("id", required=False)
@click.option(
    "-i",
    "--input",
    "input_path",
    type=click.Path(exists=True, readable=True, allow_dash=True),
    help="File to embed",
)
@click.option("-m", "--model", help="Embedding model to use")
@click.option("--store", is_flag=True, help="Store the text itself in the database")
@click.option(
    "-d",
    "--database",
    type=click.Path(file_okay=True, dir_okay=False, allow_dash=False),
)
@click.option("-c", "--content", help="Content to embed")
@click.option("--binary", is_flag=True, help="Treat input as binary data")
@click.option("--metadata", help="JSON object metadata to store")
@click.option(
    "format_",
    "-f",
    "--format",
    type=click.Choice(["json", "blob", "base64", "hex"]),
    help="Output format",
)
def embed(
    collection: str | None,
    id: str | None,
    input_path: str | None,
    model: str | None,
    store: bool,
    database: str | None,
    content: str | None,
    binary: bool,
    metadata: str | None,
    format_: str | None,
) -> None:
    """Embed text and store or return the result"""
    if collection and not id:
        raise click.ClickException("Must provide both collection and id")
    if not collection:
        if store:
            raise click.ClickException("--store requires a collection and an id")
        if metadata:
            raise click.ClickException("--metadata requires a collection and an id")
    elif format_:
        raise click.ClickException("--format cannot be used when storing in a collection")
    if content is not None and input_path is not None:
        raise click.ClickException("Use either -c/--content or -i/--input, not both")

    parsed_metadata = _parse_metadata(metadata) if metadata else None

    if collection:
        db = _open_db(database)
        assert db is not None
        target = _collection_for_writing(db, collection, model)
        value = _content_to_embed(content, input_path, binary)
        _require_content(value)
        target.embed(id, value, metadata=parsed_metadata, store=store)  # type: ignore[arg-type]
        return

    embedding_model = _get_model(model)
    value = _content_to_embed(content, input_path, binary)
    _require_content(value)
    vector = embedding_model.embed(value)
    _output_vector(vector, format_ or "json")


def _parse_metadata(metadata: str) -> dict[str, Any]:
    try:
        parsed = json.loads(metadata)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"--metadata must be valid JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise click.ClickException("--metadata must be a JSON object")
    return parsed


def _require_content(value: str | bytes) -> None:
    if not value:
        raise click.ClickException("No content provided to embed")


def _output_vector(vector: list[float], format_: str) -> None:
    if format_ == "json":
        click.echo(json.dumps(list(vector)))
        return
    blob = llm.encode(vector)
    if format_ == "blob":
        stream = sys.stdout.buffer
        stream.write(blob)
        stream.flush()
    elif format_ == "base64":
        click.echo(base64.b64encode(blob).decode("ascii"))
    else:
        click.echo(blob.hex())


# -- llm embed-multi ----------------------------------------------------------------


@click.command(name="embed-multi")
@click.argument("collection")
@click.argument(
    "input_path",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, readable=True),
    required=False,
)
@click.option(
    "format_",
    "--format",
    type=click.Choice(["json", "csv", "tsv", "nl"]),
    help="Format of input file - defaults to auto-detect",
)
@click.option(
    "--files",
    type=(click.Path(file_okay=False, dir_okay=True, allow_dash=False, exists=True), str),
    multiple=True,
    help="Embed files in this directory - specify directory and glob pattern",
)
@click.option(
    "encodings",
    "--encoding",
    help="Encoding to use when reading --files",
    multiple=True,
)
@click.option("--binary", is_flag=True, help="Treat --files as binary data")
@click.option("--sql", help="Read input using this SQL query")
@click.option(
    "--attach",
    type=(str, click.Path(file_okay=True, dir_okay=False, allow_dash=False, exists=True)),
    multiple=True,
    help="Additional databases to attach - specify alias and file path",
)
@click.option("--batch-size", type=int, help="Batch size to use when running embeddings")
@click.option("--prefix", help="Prefix to add to the IDs", default="")
@click.option("-m", "--model", help="Embedding model to use")
@click.option("--prepend", help="Prepend this string to all content before embedding")
@click.option("--store", is_flag=True, help="Store the text itself in the database")
@click.option(
    "-d",
    "--database",
    type=click.Path(file_okay=True, dir_okay=False, allow_dash=False),
)
def embed_multi(
    collection: str,
    input_path: str | None,
    format_: str | None,
    files: tuple[tuple[str, str], ...],
    encodings: tuple[str, ...],
    binary: bool,
    sql: str | None,
    attach: tuple[tuple[str, str], ...],
    batch_size: int | None,
    prefix: str,
    model: str | None,
    prepend: str | None,
    store: bool,
    database: str | None,
) -> None:
    """
    Store embeddings for multiple strings at once

    Input can be CSV, TSV or a JSON list of objects.

    The first column is treated as an ID - all other columns
    are assumed to be text that should be concatenated together
    in order to calculate the embeddings.

    Input data can come from one of three sources:

    \b
    1. A CSV, JSON, TSV or JSON-nl file (including on standard input)
    2. A SQL query against a SQLite database
    3. A directory of files
    """
    sources = sum(1 for given in (input_path, sql, files) if given)
    if sources != 1:
        raise click.ClickException("Provide exactly one of: an input path, --sql or --files")
    if binary and not files:
        raise click.ClickException("--binary can only be used with --files")
    if encodings and not files:
        raise click.ClickException("--encoding can only be used with --files")
    if attach and not sql:
        raise click.ClickException("--attach can only be used with --sql")
    if format_ and not input_path:
        raise click.ClickException("--format can only be used with an input file")
    if batch_size is not None and batch_size < 1:
        raise click.ClickException("--batch-size must be a positive integer")
    encodings = encodings or ("utf-8", "latin-1")
    _check_encodings(encodings)

    # File input is read and validated in full before the database is touched,
    # so a bad line stores nothing; SQL results are fetched before any write.
    rows: Iterable[tuple[str, str | bytes]]
    total: int
    if input_path:
        file_rows = _rows_from_file(input_path, format_)
        rows, total = file_rows, len(file_rows)
    db = _open_db(database)
    assert db is not None
    if sql:
        sql_rows = _rows_from_sql(db, sql, attach)
        rows, total = sql_rows, len(sql_rows)
    elif files:
        paths = _file_paths(files)
        rows, total = _rows_from_files(paths, encodings, binary), len(paths)

    target = _collection_for_writing(db, collection, model)
    entries = (
        (prefix + str(id), (prepend + value) if prepend and isinstance(value, str) else value, None)
        for id, value in rows
    )
    size = batch_size or DEFAULT_BATCH_SIZE
    if _show_progress():
        with click.progressbar(
            length=total, label="Embedding", file=sys.stderr, show_pos=True
        ) as bar:
            _embed_in_batches(target, entries, store, size, bar.update)
    else:
        _embed_in_batches(target, entries, store, size, None)


def _show_progress() -> bool:
    """A progress bar only when a person is watching stderr."""
    return sys.stderr.isatty()


def _embed_in_batches(
    target: Collection, entries: Iterator, store: bool, size: int, progress
) -> None:
    from itertools import islice

    from llmio_embeddings import EmbeddingsError

    while True:
        batch = list(islice(entries, size))
        if not batch:
            return
        try:
            target.embed_multi_with_metadata(batch, store=store, batch_size=size)
        except EmbeddingsError as exc:
            raise click.ClickException(str(exc)) from exc
        if progress is not None:
            progress(len(batch))


def _check_encodings(encodings: Iterable[str]) -> None:
    import codecs

    for encoding in encodings:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise click.ClickException(f"Unknown encoding: {encoding}") from exc


def _row_values(values: list[Any], where: str) -> tuple[str, str]:
    """(id, content) from one record: the first value is the ID, the rest are joined."""
    if len(values) < 2:
        raise click.ClickException(
            f"{where}: expected at least two columns, an ID and content to embed"
        )
    id = values[0]
    if id is None or id == "":
        raise click.ClickException(f"{where}: the ID (first column) is empty")
    parts = []
    for value in values[1:]:
        if value is None or value == "":
            continue
        parts.append(value if isinstance(value, str) else json.dumps(value))
    return str(id), " ".join(parts)


def _detect_format(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "nl"
    first_line = stripped.split("\n", 1)[0]
    return "tsv" if "\t" in first_line else "csv"


def _rows_from_file(input_path: str, format_: str | None) -> list[tuple[str, str]]:
    name = "standard input" if input_path == "-" else input_path
    text = _read_input(input_path, binary=False, binary_hint=False)
    assert isinstance(text, str)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise click.ClickException(f"No data found in {name}")
    format_ = format_ or _detect_format(text)
    if format_ in ("csv", "tsv"):
        return _rows_from_csv(text, "\t" if format_ == "tsv" else ",")
    if format_ == "json":
        return _rows_from_json(text)
    return _rows_from_nl(text)


def _rows_from_csv(text: str, delimiter: str) -> list[tuple[str, str]]:
    import csv
    import io

    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        rows = []
        for record in reader:
            if not record:
                continue
            where = f"Line {reader.line_num}"
            if len(record) != len(header):
                raise click.ClickException(
                    f"{where}: expected {len(header)} columns, found {len(record)}"
                )
            rows.append(_row_values(record, where))
    except csv.Error as exc:
        raise click.ClickException(f"Line {reader.line_num}: {exc}") from exc
    if len(header) < 2:
        raise click.ClickException(
            "Line 1: expected at least two columns, an ID and content to embed"
        )
    return rows


def _rows_from_json(text: str) -> list[tuple[str, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"Invalid JSON on line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    if not isinstance(data, list):
        raise click.ClickException("JSON input must be a list of objects")
    rows = []
    for index, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise click.ClickException(f"JSON item {index} is not an object")
        rows.append(_row_values(list(item.values()), f"JSON item {index}"))
    return rows


def _rows_from_nl(text: str) -> list[tuple[str, str]]:
    rows = []
    for line_number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"Invalid JSON on line {line_number}: {exc.msg}") from exc
        if not isinstance(item, dict):
            raise click.ClickException(f"Line {line_number}: expected a JSON object")
        rows.append(_row_values(list(item.values()), f"Line {line_number}"))
    return rows


def _rows_from_sql(
    db: sqlite3.Connection, sql: str, attach: tuple[tuple[str, str], ...]
) -> list[tuple[str, str]]:
    import sqlite3

    try:
        for alias, path in attach:
            db.execute("ATTACH DATABASE ? AS [{}]".format(alias.replace("]", "]]")), [path])
        cursor = db.execute(sql)
        records = cursor.fetchall()
    except sqlite3.Error as exc:
        raise click.ClickException(f"SQL error: {exc}") from exc
    if cursor.description is not None and len(cursor.description) < 2:
        raise click.ClickException(
            "The SQL query must return at least two columns: an ID and content to embed"
        )
    rows = []
    for number, record in enumerate(records, 1):
        values = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in record]
        rows.append(_row_values(values, f"SQL row {number}"))
    return rows


def _file_paths(files: tuple[tuple[str, str], ...]) -> list[tuple[str, Path]]:
    """(id, path) for every file matching each DIRECTORY GLOB pair, in sorted order."""
    found = []
    for directory, pattern in files:
        root = Path(directory)
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                found.append((path.relative_to(root).as_posix(), path))
    return found


def _rows_from_files(
    paths: list[tuple[str, Path]], encodings: tuple[str, ...], binary: bool
) -> Iterator[tuple[str, str | bytes]]:
    """Read files lazily; unreadable ones are reported on stderr and skipped."""
    for id, path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            click.echo(f"Could not read {path}: {exc.strerror or exc}", err=True)
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
            click.echo(f"Could not decode {path} using encodings: {', '.join(encodings)}", err=True)


# -- llm similar --------------------------------------------------------------------


@click.command()
@click.argument("collection")
@click.argument("id", required=False)
@click.option(
    "-i",
    "--input",
    "input_path",
    type=click.Path(exists=True, readable=True, allow_dash=True),
    help="File to embed for comparison",
)
@click.option("-c", "--content", help="Content to embed for comparison")
@click.option("--binary", is_flag=True, help="Treat input as binary data")
@click.option(
    "-n",
    "--number",
    type=AtLeast(0),
    default=10,
    help="Number of results to return",
)
@click.option("-p", "--plain", is_flag=True, help="Output in plain text format")
@click.option(
    "-d",
    "--database",
    type=click.Path(file_okay=True, dir_okay=False, allow_dash=False),
)
def similar(
    collection: str,
    id: str | None,
    input_path: str | None,
    content: str | None,
    binary: bool,
    number: int,
    plain: bool,
    database: str | None,
) -> None:
    """
    Return top N similar IDs from a collection

    Example usage:

    \b
        llm similar my-collection -c "I like cats"

    Or to find content similar to a specific stored ID:

    \b
        llm similar my-collection 1234
    """
    from llmio_embeddings import EmbeddingsError

    if id is not None and (content is not None or input_path is not None):
        raise click.ClickException("Provide either an ID or content to compare, not both")
    if content is not None and input_path is not None:
        raise click.ClickException("Use either -c/--content or -i/--input, not both")
    target = _existing_collection(database, collection)
    try:
        if id is not None:
            results = target.similar_by_id(id, number=number)
        else:
            value = _content_to_embed(content, input_path, binary)
            _require_content(value)
            results = target.similar(value, number=number)
    except EmbeddingsError as exc:
        raise click.ClickException(str(exc)) from exc
    for entry in results:
        if plain:
            click.echo(f"{entry.id} ({entry.score})")
            if entry.content is not None:
                click.echo(
                    "".join(f"    {line}\n" for line in entry.content.splitlines()), nl=False
                )
        else:
            click.echo(
                json.dumps(
                    {
                        "id": entry.id,
                        "score": entry.score,
                        "content": entry.content,
                        "metadata": entry.metadata,
                    }
                )
            )


# -- llm embed-models ---------------------------------------------------------------


@click.group(name="embed-models", cls=DefaultSubGroup, default="list", default_if_no_args=True)
def embed_models() -> None:
    """Manage available embedding models"""


@embed_models.command(name="list")
@click.option(
    "queries",
    "-q",
    "--query",
    multiple=True,
    help="Search for embedding models matching these strings",
)
def embed_models_list(queries: tuple[str, ...]) -> None:
    """List available embedding models"""
    lines = []
    for entry in llm.get_embedding_models_with_aliases():
        if queries and not all(entry.matches(query) for query in queries):
            continue
        line = str(entry.model)
        if entry.aliases:
            line += " (aliases: {})".format(", ".join(entry.aliases))
        lines.append(line)
    if lines:
        click.echo("\n".join(lines))


@embed_models.command(name="default")
@click.argument("model", required=False)
@click.option("--remove-default", is_flag=True, help="Reset to specifying no default model")
def embed_models_default(model: str | None, remove_default: bool) -> None:
    """Show or set the default embedding model"""
    if remove_default:
        if model:
            raise click.ClickException("Pass a model or --remove-default, not both")
        llm.set_default_embedding_model(None)
        return
    if not model:
        current = llm.get_default_embedding_model()
        click.echo(current or "<No default embedding model set>")
        return
    try:
        llm.get_embedding_model(model)
    except llm.UnknownModelError as exc:
        raise click.ClickException(f"Unknown embedding model: {model}") from exc
    llm.set_default_embedding_model(model)


# -- llm collections ----------------------------------------------------------------


@click.group(cls=DefaultSubGroup, default="list", default_if_no_args=True)
def collections() -> None:
    """View and manage collections of embeddings"""


@collections.command(name="path")
def collections_path() -> None:
    """Output the path to the embeddings database"""
    click.echo(llm.user_dir() / "embeddings.db")


@collections.command(name="list")
@click.option(
    "-d",
    "--database",
    type=click.Path(file_okay=True, dir_okay=False, allow_dash=False),
    help="Path to embeddings database",
)
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
def collections_list(database: str | None, json_: bool) -> None:
    """View a list of collections"""
    db = _open_db(database, create=False)
    found: list[dict[str, Any]] = []
    if (
        db is not None
        and db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'collections'"
        ).fetchone()
    ):
        found = [
            {"name": name, "model": model, "num_embeddings": count}
            for name, model, count in db.execute(
                "SELECT collections.name, collections.model, count(embeddings.id) "
                "FROM collections LEFT JOIN embeddings "
                "ON embeddings.collection_id = collections.id "
                "GROUP BY collections.id ORDER BY collections.name"
            ).fetchall()
        ]
    if json_:
        click.echo(json.dumps(found, indent=2))
        return
    for collection in found:
        count = collection["num_embeddings"]
        click.echo(f"{collection['name']}: {collection['model']}")
        click.echo(f"  {count} embedding{'' if count == 1 else 's'}")


@collections.command(name="delete")
@click.argument("collection")
@click.option(
    "-d",
    "--database",
    type=click.Path(file_okay=True, dir_okay=False, allow_dash=False),
    help="Path to embeddings database",
)
def collections_delete(collection: str, database: str | None) -> None:
    """
    Delete the specified collection

    Example usage:

    \b
        llm collections delete my-collection
    """
    _existing_collection(database, collection).delete()


def register(cli: click.Group) -> None:
    cli.add_command(embed, name="embed")
    cli.add_command(embed_multi, name="embed-multi")
    cli.add_command(similar, name="similar")
    cli.add_command(embed_models, name="embed-models")
    cli.add_command(collections, name="collections")
