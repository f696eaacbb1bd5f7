"""embed-multi's readers as a library: files, SQL and folders to (id, content) rows."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest
from click.testing import CliRunner
from llmio_cli.app import cli
from llmio_embeddings.inputs import InputError, InputRows, read_input, rows_from_file

EXPECTED = [("one", "aa b"), ("two", "cc dd")]


@pytest.mark.parametrize(
    "name,data,format",
    [
        ("d.csv", "id,title,content\none,aa,b\ntwo,cc,dd\n", None),
        ("d.tsv", "id\ttitle\tcontent\none\taa\tb\ntwo\tcc\tdd\n", None),
        ("d.csv", '\ufeffid,title,content\none,aa,b\n"two","cc","dd"\n', None),
        (
            "d.json",
            json.dumps([{"id": "one", "t": "aa", "c": "b"}, {"id": "two", "t": "cc", "c": "dd"}]),
            None,
        ),
        (
            "d.jsonl",
            '{"id": "one", "t": "aa", "c": "b"}\n\n{"id": "two", "t": "cc", "c": "dd"}\n',
            None,
        ),
        ("d.txt", '{"id": "one", "t": "aa", "c": "b"}\n{"id": "two", "t": "cc", "c": "dd"}', "nl"),
        ("d.txt", "id;x\none,aa b\ntwo,cc dd\n".replace(";", ","), "csv"),
    ],
)
def test_formats(tmp_path, name, data, format):
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    assert rows_from_file(path, format) == EXPECTED
    assert rows_from_file("-", format, stdin=io.BytesIO(data.encode())) == EXPECTED


def test_values_joined_and_non_strings_as_json(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"id": 1, "a": "x", "b": None, "c": "", "d": 5, "e": [1, 2]}]))
    assert rows_from_file(path) == [("1", "x 5 [1, 2]")]


@pytest.mark.parametrize(
    "data,format,message",
    [
        ("id,content\none,a\ntwo,b,extra\n", None, "Line 3: expected 2 columns, found 3"),
        ("id,a,b\none,x,y\ntwo,z\n", None, "Line 3: expected 3 columns, found 2"),
        ("x\ty\n", "csv", "Line 1: expected at least two columns, an ID and content to embed"),
        ("id,content\n,a\n", None, "Line 2: the ID (first column) is empty"),
        ("[1, 2]", None, "JSON item 1 is not an object"),
        ('"text"', "json", "JSON input must be a list of objects"),
        (
            '[{"id": 1, "a": 2},\n {"id" 2}]',
            None,
            "Invalid JSON on line 2, column 8: Expecting ':' delimiter",
        ),
        (
            '{"id": 1, "a": 2}\n\n{"id": 2\n',
            None,
            "Invalid JSON on line 3: Expecting ',' delimiter",
        ),
        ('{"id": 1, "a": 2}\n[1]\n', None, "Line 2: expected a JSON object"),
        ("   \n", None, "No data found in standard input"),
    ],
)
def test_errors_name_the_line(data, format, message):
    with pytest.raises(InputError) as excinfo:
        rows_from_file("-", format, stdin=io.BytesIO(data.encode()))
    assert str(excinfo.value) == message


def test_not_utf8(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"id,content\n1,caf\xe9\n")
    with pytest.raises(InputError, match=r"d.csv is not valid UTF-8 text: line 2, byte 16$"):
        rows_from_file(path)


def test_sql_with_attached_database(tmp_path):
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE docs (id INTEGER, title TEXT, body BLOB)")
    other.execute("INSERT INTO docs VALUES (1, 'One', 'first'), (2, 'Two', NULL)")
    other.commit()
    db = sqlite3.connect(tmp_path / "main.db")
    rows = read_input(
        sql="SELECT id, title, body FROM other.docs ORDER BY id",
        db=db,
        attach=[("other", str(tmp_path / "other.db"))],
    )
    assert (list(rows.rows), rows.total) == ([("1", "One first"), ("2", "Two")], 2)
    with pytest.raises(InputError, match="^SQL error: no such table: missing$"):
        read_input(sql="SELECT * FROM missing", db=db)
    with pytest.raises(InputError, match="at least two columns"):
        read_input(sql="SELECT 1", db=db)


def test_folder_of_files(tmp_path):
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "a.txt").write_text("alpha")
    (tmp_path / "docs" / "sub" / "b.txt").write_text("beta")
    (tmp_path / "docs" / "c.txt").write_bytes(b"\xff\xfe bad")
    (tmp_path / "docs" / "d.md").write_text("not matched")
    skipped = []
    source = read_input(
        files=[(str(tmp_path / "docs"), "**/*.txt"), (str(tmp_path / "docs"), "*.zzz")],
        encodings=["utf-8"],
        on_skip=skipped.append,
    )
    assert source.total == 3
    assert list(source.rows) == [("a.txt", "alpha"), ("sub/b.txt", "beta")]
    assert skipped == [f"Could not decode {tmp_path / 'docs' / 'c.txt'} using encodings: utf-8"]
    assert source.unmatched == [(str(tmp_path / "docs"), "*.zzz")]


def test_entries_add_prefix_and_prepend():
    source = InputRows([("1", "text"), ("2", b"\x00")], 2)
    assert list(source.entries("p/", "q: ")) == [("p/1", "q: text", None), ("p/2", b"\x00", None)]


def test_exactly_one_source():
    with pytest.raises(InputError, match="Provide exactly one of"):
        read_input()
    with pytest.raises(InputError, match="Unknown encoding: nope"):
        read_input(files=[(".", "*")], encodings=["nope"])


def test_cli_warns_when_a_glob_matches_nothing(tmp_path, text_model):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("alpha")
    result = CliRunner().invoke(
        cli,
        [
            "embed-multi",
            "items",
            "-m",
            "et",
            "-d",
            str(tmp_path / "e.db"),
            "--files",
            str(tmp_path / "docs"),
            "*.zzz",
        ],
    )
    assert result.exit_code == 0
    assert result.stderr == f"Warning: no files match '*.zzz' in {tmp_path / 'docs'}\n"
    assert text_model.calls == 0


def test_cli_module_holds_no_sql():
    import inspect
    import re

    from llmio_cli.commands import embeddings

    source = inspect.getsource(embeddings)
    assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE|ATTACH|PRAGMA|CREATE)\b", source)
