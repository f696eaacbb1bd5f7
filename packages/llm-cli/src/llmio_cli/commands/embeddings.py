"""Embedding commands: embed, embed-multi, similar, embed-models, collections.

Thin layers over :mod:`llmio_embeddings`; numpy and sqlite-utils are imported
inside the commands so that ``llm --help`` stays fast.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


def _open_db(database: str | None, create: bool = True) -> sqlite3.Connection | Any:
    """The embeddings database (WAL, busy timeout); None if it is missing and create is
    False. A ``scheme://`` location opens the storage a plugin registered for it."""
    from llmio_embeddings import open_database
    from llmio_embeddings.storage import open_storage, url_scheme

    if database and url_scheme(database):
        with _library_errors():
            return open_storage(database)
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


def _collection_for_writing(db: Any, name: str, model_name: str | None) -> Collection:
    """An existing collection (checking -m against it) or a new one using -m / the default."""
    from llmio_embeddings import Collection

    with _library_errors():
        if Collection.exists(db, name):
            return Collection(name, db, model_id=model_name)
        return Collection(name, db, model=_get_model(model_name))


def _existing_collection(database: str | None, name: str) -> Collection:
    from llmio_embeddings import Collection

    db = _open_db(database, create=False)
    if db is None or not Collection.exists(db, name):
        raise click.ClickException(f"Collection does not exist: {name}")
    return Collection(name, db)


def _read_input(path: str, binary: bool) -> str | bytes:
    """Content of a file, or of standard input for '-'."""
    from llmio_embeddings.inputs import read_bytes, read_text

    with _library_errors():
        data = sys.stdin.buffer.read() if path == "-" else read_bytes(path)
        if binary:
            return data
        return read_text(data, "Standard input" if path == "-" else path)


@contextmanager
def _library_errors() -> Iterator[None]:
    """The library's errors as one ``Error:`` line."""
    from llmio_embeddings import EmbeddingsError

    try:
        yield
    except EmbeddingsError as exc:
        raise click.ClickException(str(exc)) from exc


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
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    help="Batches to send to the model at once (default: what the model allows, else 1)",
)
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
    parallel: int | None,
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
    from llmio_embeddings.inputs import read_input

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

    # A file is read and checked in full before the database is touched, so a
    # bad line stores nothing; SQL results are fetched before any write.
    with _library_errors():
        if not sql:
            source = read_input(
                input_path,
                format=format_,
                files=files,
                encodings=encodings or ("utf-8", "latin-1"),
                binary=binary,
                on_skip=lambda message: click.echo(message, err=True),
            )
        db = _open_db(database)
        if sql:
            source = read_input(sql=sql, db=db, attach=attach)
    for directory, pattern in source.unmatched:
        click.echo(f"Warning: no files match {pattern!r} in {directory}", err=True)
    assert db is not None
    target = _collection_for_writing(db, collection, model)
    with _progress(source.total) as progress, _library_errors():
        target.embed_multi_with_metadata(
            source.entries(prefix, prepend),
            store=store,
            batch_size=batch_size or DEFAULT_BATCH_SIZE,
            parallel=parallel,
            progress=progress,
        )


def _show_progress() -> bool:
    """A progress bar only when a person is watching stderr."""
    return sys.stderr.isatty()


@contextmanager
def _progress(total: int) -> Iterator[Any]:
    """A progress bar on stderr with the rate and the time left; None off a terminal."""
    if not _show_progress():
        yield None
        return
    started = time.monotonic()
    done = 0

    def rate(_: Any) -> str:
        elapsed = time.monotonic() - started
        if not done or elapsed <= 0:
            return ""
        per_second = done / elapsed
        left = int(max(total - done, 0) / per_second)
        return (
            f"{per_second:,.0f} items/s, {left // 3600}:{left // 60 % 60:02d}:{left % 60:02d} left"
        )

    with click.progressbar(
        length=total,
        label="Embedding",
        file=sys.stderr,
        show_pos=True,
        show_eta=False,
        item_show_func=rate,
    ) as bar:

        def advance(count: int) -> None:
            nonlocal done
            done += count
            bar.update(count, done)

        yield advance


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
@click.option(
    "--exact", is_flag=True, help="Search every vector, even where an approximate index exists"
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
    exact: bool,
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
    if id is not None and (content is not None or input_path is not None):
        raise click.ClickException("Provide either an ID or content to compare, not both")
    if content is not None and input_path is not None:
        raise click.ClickException("Use either -c/--content or -i/--input, not both")
    target = _existing_collection(database, collection)
    with _library_errors():
        if id is not None:
            results = target.similar_by_id(id, number=number, exact=exact)
        else:
            value = _content_to_embed(content, input_path, binary)
            _require_content(value)
            results = target.similar(value, number=number, exact=exact)
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

_database_option = click.option(
    "-d",
    "--database",
    type=click.Path(file_okay=True, dir_okay=False, allow_dash=False),
    help="Path to embeddings database",
)


@click.group(cls=DefaultSubGroup, default="list", default_if_no_args=True)
def collections() -> None:
    """View and manage collections of embeddings"""


@collections.command(name="path")
def collections_path() -> None:
    """Output the path to the embeddings database"""
    click.echo(llm.user_dir() / "embeddings.db")


@collections.command(name="list")
@_database_option
@click.option("json_", "--json", is_flag=True, help="Output as JSON")
def collections_list(database: str | None, json_: bool) -> None:
    """View a list of collections"""
    from llmio_embeddings import list_collections

    db = _open_db(database, create=False)
    found = [vars(info) for info in list_collections(db)] if db is not None else []
    if json_:
        click.echo(
            json.dumps(
                [
                    {"name": c["name"], "model": c["model"], "num_embeddings": c["count"]}
                    for c in found
                ],
                indent=2,
            )
        )
        return
    for collection in found:
        count = collection["count"]
        click.echo(f"{collection['name']}: {collection['model']}")
        click.echo(f"  {count} embedding{'' if count == 1 else 's'}")


@collections.command(name="index")
@click.argument("collection")
@_database_option
def collections_index(collection: str, database: str | None) -> None:
    """
    Build or update the approximate index of a collection

    Searches of large collections then use it (``llm similar --exact`` does
    not). Needs the index extra: pip install 'llmio-embeddings[index]'
    """
    target = _existing_collection(database, collection)
    with _library_errors():
        built = target.build_index()
    if not built:
        raise click.ClickException(f"Collection {collection} cannot have an index here")


@collections.command(name="delete")
@click.argument("collection")
@_database_option
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
