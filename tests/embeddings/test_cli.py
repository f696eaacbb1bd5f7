"""The embedding commands: embed, embed-multi, similar, embed-models, collections."""

from __future__ import annotations

import base64
import hashlib
import json
import pathlib

import llm
import pytest
import sqlite_utils
from support.cli import invoke


def rows(path, collection=None):
    db = sqlite_utils.Database(path)
    sql = (
        "SELECT collections.name AS collection, embeddings.id, embedding, content, "
        "content_blob, content_hash, metadata FROM embeddings "
        "JOIN collections ON collections.id = embeddings.collection_id ORDER BY 1, 2"
    )
    return [dict(r) for r in db.query(sql)]


@pytest.fixture
def default_db(user_path):
    return user_path / "embeddings.db"


# -- llm embed ---------------------------------------------------------------------------


def test_embed_outputs_json(text_model):
    result = invoke(["embed", "-c", "abcabd", "-m", "embed-text"])
    assert result.exit_code == 0
    assert result.stdout == "[2.0, 2.0, 1.0, 1.0]\n"
    assert text_model.items == ["abcabd"]


def test_embed_by_alias(text_model):
    assert invoke(["embed", "-c", "a", "-m", "et"]).stdout == "[1.0, 0.0, 0.0, 0.0]\n"


@pytest.mark.parametrize(
    "fmt,expected",
    [
        ("json", "[1.5, -2.0]\n"),
        ("hex", llm.encode([1.5, -2.0]).hex() + "\n"),
        ("base64", base64.b64encode(llm.encode([1.5, -2.0])).decode() + "\n"),
    ],
)
def test_embed_formats(text_model, fmt, expected):
    result = invoke(["embed", "-c", "[1.5, -2]", "-m", "embed-text", "-f", fmt])
    assert result.stdout == expected


def test_embed_blob_format(text_model):
    result = invoke(["embed", "-c", "[1.5, -2]", "-m", "embed-text", "--format", "blob"])
    assert result.stdout_bytes == llm.encode([1.5, -2.0]) == b"\x00\x00\xc0?\x00\x00\x00\xc0"


def test_embed_from_file_and_stdin(tmp_path, text_model):
    path = tmp_path / "in.txt"
    path.write_text("aab", encoding="utf-8")
    assert invoke(["embed", "-m", "et", "-i", str(path)]).stdout == "[2.0, 1.0, 0.0, 0.0]\n"
    assert invoke(["embed", "-m", "et", "-i", "-"], input="ccc").stdout == "[0.0, 0.0, 3.0, 0.0]\n"
    assert invoke(["embed", "-m", "et"], input="d").stdout == "[0.0, 0.0, 0.0, 1.0]\n"


def test_embed_binary_input(tmp_path, binary_model):
    path = tmp_path / "image.bin"
    path.write_bytes(b"\xff\x00\x10")
    result = invoke(["embed", "--binary", "-m", "embed-binary", "-i", str(path)])
    assert result.stdout == "[3.0, 15.0, 255.0]\n"
    assert binary_model.items == [b"\xff\x00\x10"]
    result = invoke(["embed", "--binary", "-m", "embed-binary", "-i", "-"], input=b"\x01\x02")
    assert result.stdout == "[2.0, 3.0, 1.0]\n"


def test_embed_binary_with_text_model_is_an_error(tmp_path, text_model):
    path = tmp_path / "image.bin"
    path.write_bytes(b"\xff\x00")
    result = invoke(["embed", "--binary", "-m", "embed-text", "-i", str(path)])
    assert result.exit_code == 1
    assert result.stderr == "Error: Model embed-text does not support binary input\n"


def test_embed_non_utf8_text_is_an_error(tmp_path, text_model):
    path = tmp_path / "in.txt"
    path.write_bytes(b"\xff\xfe\x00bad")
    result = invoke(["embed", "-m", "et", "-i", str(path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path} is not valid UTF-8 text: line 1, byte 0 (use --binary for binary content)\n"
    )


def test_embed_stores_in_default_database(default_db, text_model):
    result = invoke(["embed", "phrases", "hound", "-m", "et", "-c", "my happy hound"])
    assert (result.exit_code, result.stdout) == (0, "")
    assert rows(default_db) == [
        {
            "collection": "phrases",
            "id": "hound",
            "embedding": llm.encode([1.0, 0.0, 0.0, 1.0]),
            "content": None,
            "content_blob": None,
            "content_hash": hashlib.md5(b"my happy hound").digest(),
            "metadata": None,
        }
    ]
    db = sqlite_utils.Database(default_db)
    assert list(db.query("SELECT name, model FROM collections")) == [
        {"name": "phrases", "model": "embed-text"}
    ]
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_embed_store_and_metadata(tmp_path, text_model):
    path = tmp_path / "my-embeddings.db"
    result = invoke(
        [
            "embed",
            "phrases",
            "hound",
            "-m",
            "et",
            "-c",
            "my happy hound",
            "--metadata",
            '{"name": "Hound"}',
            "--store",
            "-d",
            str(path),
        ]
    )
    assert result.exit_code == 0
    [row] = rows(path)
    assert row["content"] == "my happy hound"
    assert json.loads(row["metadata"]) == {"name": "Hound"}


def test_embed_binary_store(default_db, binary_model):
    result = invoke(
        ["embed", "photos", "p1", "-m", "embed-binary", "--binary", "-i", "-", "--store"],
        input=b"\x00\x01",
    )
    assert result.exit_code == 0
    [row] = rows(default_db)
    assert row["content"] is None
    assert row["content_blob"] == b"\x00\x01"


def test_embed_stdin_into_collection(default_db, text_model):
    assert invoke(["embed", "files", "one", "-m", "et"], input="abc").exit_code == 0
    assert rows(default_db)[0]["content_hash"] == hashlib.md5(b"abc").digest()


def test_embed_skips_unchanged_content(default_db, text_model):
    invoke(["embed", "phrases", "hound", "-m", "et", "-c", "hound"])
    invoke(["embed", "phrases", "hound", "-c", "hound"])
    assert text_model.calls == 1


def test_embed_uses_collection_model_and_default(default_db, models):
    invoke(["embed-models", "default", "embed-binary"])
    invoke(["embed", "phrases", "one", "-m", "et", "-c", "a"])
    # existing collection: its own model, not the default
    invoke(["embed", "phrases", "two", "-c", "b"])
    assert models.text.items == ["a", "b"]
    # new collection: the default model
    invoke(["embed", "other", "one", "-c", "x"])
    assert models.binary.items == ["x"]
    assert invoke(["embed", "-c", "y"]).stdout == "[1.0, 121.0, 121.0]\n"


@pytest.mark.parametrize(
    "args,message",
    [
        (["embed", "-c", "hi"], "Error: No embedding model specified and no default is set"),
        (["embed", "-c", "hi", "-m", "nope"], "Error: Unknown model: nope"),
        (["embed", "coll", "-c", "hi", "-m", "et"], "Error: Must provide both collection and id"),
        (
            ["embed", "-c", "hi", "-m", "et", "--store"],
            "Error: --store requires a collection and an id",
        ),
        (
            ["embed", "-c", "hi", "-m", "et", "--metadata", "{}"],
            "Error: --metadata requires a collection and an id",
        ),
        (
            ["embed", "c", "1", "-c", "hi", "-m", "et", "--metadata", "{bad"],
            (
                "Error: --metadata must be valid JSON: Expecting property name enclosed in "
                "double quotes: line 1 column 2 (char 1)"
            ),
        ),
        (
            ["embed", "c", "1", "-c", "hi", "-m", "et", "--metadata", "[1]"],
            "Error: --metadata must be a JSON object",
        ),
        (
            ["embed", "c", "1", "-c", "hi", "-m", "et", "-f", "hex"],
            "Error: --format cannot be used when storing in a collection",
        ),
        (["embed", "-c", "", "-m", "et"], "Error: No content provided to embed"),
    ],
)
def test_embed_errors(default_db, text_model, args, message):
    result = invoke(args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert not default_db.exists() or rows(default_db) == []


def test_embed_model_mismatch(default_db, models):
    invoke(["embed", "phrases", "one", "-m", "et", "-c", "a"])
    result = invoke(["embed", "phrases", "two", "-m", "embed-binary", "-c", "b"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: Collection 'phrases' uses model 'embed-text', not 'embed-binary'\n"
    )
    assert [r["id"] for r in rows(default_db)] == ["one"]


# -- llm embed-multi ---------------------------------------------------------------------

CSV = "id,title,content\none,aa,b\ntwo,cc,dd\n"


def stored(path):
    return {r["id"]: (llm.decode(r["embedding"]), r["content"]) for r in rows(path)}


@pytest.mark.parametrize(
    "filename,data",
    [
        ("data.csv", CSV),
        ("data.tsv", "id\ttitle\tcontent\none\taa\tb\ntwo\tcc\tdd\n"),
        (
            "data.json",
            json.dumps(
                [
                    {"id": "one", "title": "aa", "content": "b"},
                    {"id": "two", "title": "cc", "content": "dd"},
                ]
            ),
        ),
        (
            "data.jsonl",
            (
                '{"id": "one", "title": "aa", "content": "b"}\n\n'
                '{"id": "two", "title": "cc", "content": "dd"}\n'
            ),
        ),
    ],
)
def test_embed_multi_formats_auto_detected(tmp_path, default_db, text_model, filename, data):
    path = tmp_path / filename
    path.write_text(data, encoding="utf-8")
    result = invoke(["embed-multi", "items", str(path), "-m", "et", "--store"])
    assert (result.exit_code, result.output) == (0, "")
    assert stored(default_db) == {
        "one": ((2.0, 1.0, 0.0, 0.0), "aa b"),
        "two": ((0.0, 0.0, 2.0, 2.0), "cc dd"),
    }
    # and from standard input
    result = invoke(["embed-multi", "stdin-items", "-", "-m", "et"], input=data)
    assert result.exit_code == 0
    assert text_model.items == ["aa b", "cc dd"] * 2


def test_embed_multi_explicit_format(default_db, text_model):
    data = '{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}\n'
    result = invoke(["embed-multi", "items", "-", "--format", "nl", "-m", "et"], input=data)
    assert result.exit_code == 0
    assert sorted(stored(default_db)) == ["1", "2"]
    result = invoke(["embed-multi", "items2", "-", "--format", "csv", "-m", "et"], input="x\ty\n")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "Error: Line 1: expected at least two columns, an ID and content to embed\n"
    )


def test_embed_multi_prefix_prepend_batch_size(tmp_path, default_db, text_model):
    path = tmp_path / "data.csv"
    path.write_text("id,text\n" + "".join(f"{i},{'a' * i}\n" for i in range(1, 6)))
    result = invoke(
        [
            "embed-multi",
            "items",
            str(path),
            "-m",
            "et",
            "--prefix",
            "my-items/",
            "--prepend",
            "d",
            "--batch-size",
            "2",
            "--store",
        ]
    )
    assert result.exit_code == 0
    assert [len(b) for b in text_model.batches] == [2, 2, 1]
    assert text_model.batches[0] == ["da", "daa"]
    assert stored(default_db)["my-items/3"] == ((3.0, 0.0, 0.0, 1.0), "daaa")


def test_embed_multi_skips_unchanged(tmp_path, default_db, text_model):
    path = tmp_path / "data.csv"
    path.write_text(CSV)
    invoke(["embed-multi", "items", str(path), "-m", "et"])
    invoke(["embed-multi", "items", str(path)])
    assert text_model.calls == 1
    path.write_text(CSV.replace("dd", "ddd"))
    invoke(["embed-multi", "items", str(path)])
    assert text_model.batches[1] == ["cc ddd"]


def test_embed_multi_ragged_csv_stores_nothing(tmp_path, default_db, text_model):
    path = tmp_path / "data.csv"
    path.write_text("id,content\none,a\ntwo,b,extra\nthree,c\n")
    result = invoke(["embed-multi", "items", str(path), "-m", "et"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Line 3: expected 2 columns, found 3\n"
    assert text_model.calls == 0
    assert not default_db.exists()


@pytest.mark.parametrize(
    "data,message",
    [
        (
            '[{"id": "one", "content": "a"},\n {"id": "two" "content": "b"}]',
            "Error: Invalid JSON on line 2, column 15: Expecting ',' delimiter\n",
        ),
        (
            '{"id": "one", "content": "a"}\n{"id": "two", "content": \n',
            "Error: Invalid JSON on line 2: Expecting value\n",
        ),
        ('{"a": 1}', "Error: Line 1: expected at least two columns, an ID and content to embed\n"),
        ("[1, 2]", "Error: JSON item 1 is not an object\n"),
    ],
)
def test_embed_multi_invalid_json_stores_nothing(default_db, text_model, data, message):
    result = invoke(["embed-multi", "items", "-", "-m", "et"], input=data)
    assert result.exit_code == 1
    assert result.stderr == message
    assert text_model.calls == 0


def test_embed_multi_sql_same_database(tmp_path, text_model):
    path = tmp_path / "docs.db"
    db = sqlite_utils.Database(path)
    db["documents"].insert_all(
        [{"id": 1, "title": "aa", "content": "bb"}, {"id": 2, "title": "cc", "content": None}],
        pk="id",
    )
    result = invoke(
        [
            "embed-multi",
            "docs",
            "-d",
            str(path),
            "-m",
            "et",
            "--store",
            "--sql",
            "select id, title, content from documents",
        ]
    )
    assert result.exit_code == 0
    assert stored(path) == {"1": ((2.0, 2.0, 0.0, 0.0), "aa bb"), "2": ((0.0, 0.0, 2.0, 0.0), "cc")}


def test_embed_multi_sql_with_attach(tmp_path, text_model):
    other = tmp_path / "other.db"
    sqlite_utils.Database(other)["documents"].insert_all(
        [{"id": "x", "title": "a", "content": "d"}], pk="id"
    )
    target = tmp_path / "embeddings.db"
    result = invoke(
        [
            "embed-multi",
            "docs",
            "-d",
            str(target),
            "--attach",
            "other",
            str(other),
            "--sql",
            "select id, title, content from other.documents",
            "-m",
            "et",
        ]
    )
    assert result.exit_code == 0
    assert stored(target) == {"x": ((1.0, 0.0, 0.0, 1.0), None)}
    assert "documents" not in sqlite_utils.Database(target).table_names()


def test_embed_multi_sql_error(tmp_path, text_model):
    result = invoke(
        [
            "embed-multi",
            "docs",
            "-d",
            str(tmp_path / "e.db"),
            "-m",
            "et",
            "--sql",
            "select * from missing",
        ]
    )
    assert result.exit_code == 1
    assert result.stderr == "Error: SQL error: no such table: missing\n"


@pytest.fixture
def docs(tmp_path):
    root = tmp_path / "docs"
    (root / "embeddings").mkdir(parents=True)
    (root / "index.md").write_text("aaa", encoding="utf-8")
    (root / "embeddings" / "cli.md").write_text("bb", encoding="utf-8")
    (root / "latin.md").write_bytes("cafés".encode("latin-1"))
    (root / "skip.txt").write_text("c")
    return root


def test_embed_multi_files(docs, default_db, text_model):
    result = invoke(
        [
            "embed-multi",
            "documentation",
            "-m",
            "et",
            "--files",
            str(docs),
            "**/*.md",
            "--store",
            "--prefix",
            "llm-docs/",
        ]
    )
    assert (result.exit_code, result.output) == (0, "")
    assert stored(default_db) == {
        "llm-docs/embeddings/cli.md": ((0.0, 2.0, 0.0, 0.0), "bb"),
        "llm-docs/index.md": ((3.0, 0.0, 0.0, 0.0), "aaa"),
        # not UTF-8: falls back to latin-1
        "llm-docs/latin.md": ((1.0, 0.0, 1.0, 0.0), "cafés"),
    }


def test_embed_multi_files_encodings(docs, default_db, text_model):
    (docs / "utf16.md").write_text("dad", encoding="utf-16")
    result = invoke(
        [
            "embed-multi",
            "documentation",
            "-m",
            "et",
            "--files",
            str(docs),
            "*.md",
            "--encoding",
            "utf-16",
            "--encoding",
            "latin-1",
            "--store",
        ]
    )
    assert result.exit_code == 0
    contents = {id: content for id, (_, content) in stored(default_db).items()}
    assert contents["utf16.md"] == "dad"
    assert contents["latin.md"] == "cafés"


def test_embed_multi_files_undecodable_reported_and_run_continues(docs, default_db, text_model):
    result = invoke(
        [
            "embed-multi",
            "documentation",
            "-m",
            "et",
            "--files",
            str(docs),
            "*.md",
            "--encoding",
            "utf-8",
        ]
    )
    assert result.exit_code == 0
    assert result.stderr == f"Could not decode {docs / 'latin.md'} using encodings: utf-8\n"
    assert sorted(stored(default_db)) == ["index.md"]


def test_embed_multi_files_unreadable_reported(docs, default_db, text_model, monkeypatch):
    original = pathlib.Path.read_bytes
    unreadable = docs / "index.md"

    def read_bytes(self):
        if self == unreadable:
            raise PermissionError(13, "Permission denied")
        return original(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    result = invoke(["embed-multi", "documentation", "-m", "et", "--files", str(docs), "**/*.md"])
    assert result.exit_code == 0
    assert result.stderr == f"Could not read {unreadable}: Permission denied\n"
    assert sorted(stored(default_db)) == ["embeddings/cli.md", "latin.md"]


def test_embed_multi_files_binary(tmp_path, default_db, binary_model):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a.jpeg").write_bytes(b"\xff\xd8")
    (photos / "b.jpeg").write_bytes(b"\x01")
    result = invoke(
        [
            "embed-multi",
            "photos",
            "-m",
            "embed-binary",
            "--files",
            str(photos),
            "*.jpeg",
            "--binary",
            "--store",
        ]
    )
    assert result.exit_code == 0
    assert binary_model.items == [b"\xff\xd8", b"\x01"]
    assert [r["content_blob"] for r in rows(default_db)] == [b"\xff\xd8", b"\x01"]


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["embed-multi", "items", "-m", "et"],
            "Error: Provide exactly one of: an input path, --sql or --files",
        ),
        (
            ["embed-multi", "items", "-", "--sql", "select 1", "-m", "et"],
            "Error: Provide exactly one of: an input path, --sql or --files",
        ),
        (
            ["embed-multi", "items", "-", "--binary", "-m", "et"],
            "Error: --binary can only be used with --files",
        ),
        (
            ["embed-multi", "items", "-", "--encoding", "utf-8", "-m", "et"],
            "Error: --encoding can only be used with --files",
        ),
        (
            ["embed-multi", "items", "-"],
            "Error: No embedding model specified and no default is set",
        ),
        (
            ["embed-multi", "items", "-", "-m", "et", "--batch-size", "0"],
            "Error: --batch-size must be a positive integer",
        ),
    ],
)
def test_embed_multi_errors(text_model, args, message):
    result = invoke(args, input=CSV)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert text_model.calls == 0


def test_embed_multi_unknown_encoding(docs, text_model):
    result = invoke(
        ["embed-multi", "d", "-m", "et", "--files", str(docs), "*.md", "--encoding", "nope-enc"]
    )
    assert result.exit_code == 1
    assert result.stderr == "Error: Unknown encoding: nope-enc\n"


# -- llm similar -------------------------------------------------------------------------


@pytest.fixture
def phrases(default_db, text_model):
    llm.Collection("phrases", str(default_db), model_id="embed-text").embed_multi_with_metadata(
        [
            ("hound", "my happy hound", {"name": "Hound"}),
            ("cat", "a cat", None),
            ("bird", "[0, 0, 0, 1]", None),
        ],
        store=True,
    )
    text_model.batches.clear()
    return default_db


def test_similar_output(phrases, text_model):
    result = invoke(["similar", "phrases", "-c", "abcd"])
    assert result.exit_code == 0
    assert text_model.items == ["abcd"]
    # hound = [1,0,0,1], cat = [2,0,1,0], bird = [0,0,0,1]; query = [1,1,1,1]
    assert result.stdout.splitlines() == [
        json.dumps(
            {
                "id": "hound",
                "score": 2 / (2 * 2**0.5),
                "content": "my happy hound",
                "metadata": {"name": "Hound"},
            }
        ),
        json.dumps({"id": "cat", "score": 3 / (2 * 5**0.5), "content": "a cat", "metadata": None}),
        json.dumps({"id": "bird", "score": 0.5, "content": "[0, 0, 0, 1]", "metadata": None}),
    ]


def test_similar_by_id_and_number(phrases):
    result = invoke(["similar", "phrases", "hound", "-n", "1"])
    assert (
        result.stdout
        == json.dumps(
            {"id": "bird", "score": 1 / 2**0.5, "content": "[0, 0, 0, 1]", "metadata": None}
        )
        + "\n"
    )


def test_similar_input_file_and_stdin(phrases, tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("[0, 0, 0, 1]")
    first = invoke(["similar", "phrases", "-i", str(path), "-n", "1"]).stdout
    assert json.loads(first)["id"] == "bird"
    assert invoke(["similar", "phrases", "-i", "-", "-n", "1"], input="[0, 0, 0, 1]").stdout == first
    assert invoke(["similar", "phrases", "-n", "1"], input="[0, 0, 0, 1]").stdout == first


def test_similar_plain(phrases):
    result = invoke(["similar", "phrases", "-c", "[0, 0, 0, 1]", "-p", "-n", "2"])
    assert result.stdout == (
        f"bird (1.0)\n    [0, 0, 0, 1]\nhound ({1 / 2**0.5})\n    my happy hound\n"
    )


def test_similar_binary(tmp_path, default_db, binary_model):
    coll = llm.Collection("photos", str(default_db), model_id="embed-binary")
    coll.embed_multi([("a", b"\x01\x02"), ("b", b"\xff" * 10)])
    result = invoke(["similar", "photos", "--binary", "-i", "-", "-n", "1"], input=b"\xff" * 10)
    assert json.loads(result.stdout) == {"id": "b", "score": 1.0, "content": None, "metadata": None}


def test_similar_custom_database(tmp_path, text_model):
    path = tmp_path / "my.db"
    llm.Collection("c", str(path), model_id="embed-text").embed("one", "abc")
    result = invoke(["similar", "c", "-c", "abc", "-d", str(path)])
    assert json.loads(result.stdout)["id"] == "one"


@pytest.mark.parametrize(
    "args,message",
    [
        (["similar", "missing", "-c", "x"], "Error: Collection does not exist: missing\n"),
        (["similar", "phrases", "nope"], "Error: No item with ID 'nope' in collection 'phrases'\n"),
        (
            ["similar", "phrases", "hound", "-c", "x"],
            "Error: Provide either an ID or content to compare, not both\n",
        ),
        (
            ["similar", "phrases", "-c", "[1, 2]"],
            "Error: Query vector has 2 dimensions but the collection's vectors have 4\n",
        ),
    ],
)
def test_similar_errors(phrases, args, message):
    result = invoke(args)
    assert result.exit_code == 1
    assert result.stderr == message


def test_similar_missing_database_is_not_created(tmp_path, text_model):
    path = tmp_path / "none.db"
    result = invoke(["similar", "c", "-c", "x", "-d", str(path)])
    assert result.stderr == "Error: Collection does not exist: c\n"
    assert not path.exists()


# -- llm embed-models --------------------------------------------------------------------


def test_embed_models_list(models):
    result = invoke(["embed-models"])
    lines = result.stdout.splitlines()
    assert "TextEmbedding: embed-text (aliases: et, text-alias)" in lines
    assert "BinaryEmbedding: embed-binary" in lines
    assert invoke(["embed-models", "list"]).stdout == result.stdout


def test_embed_models_list_query(models):
    assert invoke(["embed-models", "-q", "binary"]).stdout == (
        "BinaryEmbedding: embed-binary\nBinaryOnlyEmbedding: embed-binary-only\n"
    )
    assert invoke(["embed-models", "list", "-q", "binary", "-q", "only"]).stdout == (
        "BinaryOnlyEmbedding: embed-binary-only\n"
    )
    assert invoke(["embed-models", "-q", "text-alias"]).stdout == (
        "TextEmbedding: embed-text (aliases: et, text-alias)\n"
    )


def test_embed_models_default(user_path, models):
    assert invoke(["embed-models", "default"]).stdout == "<No default embedding model set>\n"
    assert invoke(["embed-models", "default", "et"]).exit_code == 0
    assert (user_path / "default_embedding_model.txt").read_text() == "et"
    assert llm.get_default_embedding_model() == "et"
    assert invoke(["embed-models", "default"]).stdout == "et\n"
    assert invoke(["embed-models", "default", "--remove-default"]).exit_code == 0
    assert llm.get_default_embedding_model() is None
    result = invoke(["embed-models", "default", "nope"])
    assert (result.exit_code, result.stderr) == (1, "Error: Unknown embedding model: nope\n")


def test_embedding_alias_from_aliases_json(models):
    llm.set_alias("oai", "embed-text")
    assert invoke(["embed", "-c", "a", "-m", "oai"]).stdout == "[1.0, 0.0, 0.0, 0.0]\n"


# -- llm collections ---------------------------------------------------------------------


def test_collections_path(user_path):
    assert invoke(["collections", "path"]).stdout == f"{user_path / 'embeddings.db'}\n"


def test_collections_list(phrases, text_model):
    llm.Collection("empty", str(phrases), model_id="embed-text")
    llm.Collection("one", str(phrases), model_id="embed-text").embed("x", "a")
    assert invoke(["collections"]).stdout == (
        "empty: embed-text\n  0 embeddings\n"
        "one: embed-text\n  1 embedding\n"
        "phrases: embed-text\n  3 embeddings\n"
    )
    assert json.loads(invoke(["collections", "list", "--json"]).stdout) == [
        {"name": "empty", "model": "embed-text", "num_embeddings": 0},
        {"name": "one", "model": "embed-text", "num_embeddings": 1},
        {"name": "phrases", "model": "embed-text", "num_embeddings": 3},
    ]


def test_collections_list_no_database(tmp_path, user_path):
    assert invoke(["collections", "list"]).stdout == ""
    assert invoke(["collections", "list", "--json"]).stdout == "[]\n"
    assert invoke(["collections", "list", "-d", str(tmp_path / "x.db")]).stdout == ""
    assert not (user_path / "embeddings.db").exists()
    assert not (tmp_path / "x.db").exists()


def test_collections_list_custom_database(tmp_path, text_model):
    path = tmp_path / "my.db"
    llm.Collection("c", str(path), model_id="embed-text").embed("x", "a")
    assert invoke(["collections", "list", "-d", str(path)]).stdout == "c: embed-text\n  1 embedding\n"


def test_collections_delete(phrases, text_model):
    llm.Collection("other", str(phrases), model_id="embed-text").embed("x", "a")
    result = invoke(["collections", "delete", "phrases"])
    assert (result.exit_code, result.output) == (0, "")
    assert [(r["collection"], r["id"]) for r in rows(phrases)] == [("other", "x")]
    result = invoke(["collections", "delete", "phrases"])
    assert (result.exit_code, result.stderr) == (1, "Error: Collection does not exist: phrases\n")


def test_collections_delete_custom_database(tmp_path, text_model):
    path = tmp_path / "my.db"
    llm.Collection("c", str(path), model_id="embed-text").embed("x", "a")
    assert invoke(["collections", "delete", "c", "-d", str(path)]).exit_code == 0
    assert rows(path) == []


# -- help --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command,options",
    [
        (
            ["embed"],
            [
                "-i, --input PATH",
                "-m, --model TEXT",
                "--store",
                "-d, --database FILE",
                "-c, --content TEXT",
                "--binary",
                "--metadata TEXT",
                "-f, --format [json|blob|base64|hex]",
            ],
        ),
        (
            ["embed-multi"],
            [
                "--format [json|csv|tsv|nl]",
                "--files <DIRECTORY TEXT>...",
                "--encoding TEXT",
                "--binary",
                "--sql TEXT",
                "--attach <TEXT FILE>...",
                "--batch-size INTEGER",
                "--prefix TEXT",
                "-m, --model TEXT",
                "--prepend TEXT",
                "--store",
                "-d, --database FILE",
            ],
        ),
        (
            ["similar"],
            [
                "-i, --input PATH",
                "-c, --content TEXT",
                "--binary",
                "-n, --number INTEGER",
                "-p, --plain",
                "-d, --database FILE",
            ],
        ),
        (["embed-models", "list"], ["-q, --query TEXT"]),
        (["embed-models", "default"], ["--remove-default"]),
        (["collections", "list"], ["-d, --database FILE", "--json"]),
        (["collections", "delete"], ["-d, --database FILE"]),
    ],
)
def test_help_options(command, options):
    output = invoke(command + ["--help"]).stdout
    for option in options:
        assert f"\n  {option} " in output or f"\n  {option}\n" in output, option


def test_help_usage_lines():
    assert invoke(["embed", "--help"]).stdout.startswith(
        "Usage: llm embed [OPTIONS] [COLLECTION] [ID]\n\n  Embed text and store or return the result\n"
    )
    assert (
        "Usage: llm embed-multi [OPTIONS] COLLECTION [INPUT_PATH]"
        in invoke(["embed-multi", "--help"]).stdout
    )
    assert "Usage: llm similar [OPTIONS] COLLECTION [ID]" in invoke(["similar", "--help"]).stdout
    output = invoke(["collections", "--help"]).stdout
    assert "  list*   View a list of collections\n" in output
    assert "  delete  Delete the specified collection\n" in output
    assert "  path    Output the path to the embeddings database\n" in output
    output = invoke(["embed-models", "--help"]).stdout
    assert "  list*    List available embedding models\n" in output
    assert "  default  Show or set the default embedding model\n" in output


def test_embed_multi_progress_bar_only_on_a_terminal(tmp_path, text_model, monkeypatch):
    from llmio_cli.commands import embeddings

    path = tmp_path / "data.csv"
    path.write_text(CSV)
    result = invoke(["embed-multi", "items", str(path), "-m", "et", "-d", str(tmp_path / "a.db")])
    assert result.stderr == ""
    monkeypatch.setattr(embeddings, "_show_progress", lambda: True)
    result = invoke(["embed-multi", "items", str(path), "-m", "et", "-d", str(tmp_path / "b.db")])
    assert result.exit_code == 0
    assert "Embedding" in result.stderr
    assert stored(tmp_path / "b.db") == stored(tmp_path / "a.db")


def test_similar_number_zero(phrases):
    result = invoke(["similar", "phrases", "-c", "a", "-n", "0"])
    assert (result.exit_code, result.stdout) == (0, "")


def test_embed_input_directory_is_an_error(tmp_path, text_model):
    result = invoke(["embed", "-m", "et", "-i", str(tmp_path)])
    assert (result.exit_code, result.stderr) == (1, f"Error: {tmp_path} is a directory\n")


def test_no_traceback_on_corrupt_database(tmp_path, text_model):
    path = tmp_path / "bad.db"
    path.write_bytes(b"this is not a database" * 100)
    result = invoke(["embed", "c", "1", "-c", "a", "-m", "et", "-d", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Cannot open database {path}: file is not a database")
    assert "Traceback" not in result.output


def test_embed_multi_non_utf8_input(tmp_path, text_model):
    path = tmp_path / "data.csv"
    path.write_bytes(b"id,content\n1,caf\xe9\n")
    result = invoke(["embed-multi", "items", str(path), "-m", "et"])
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {path} is not valid UTF-8 text: line 2, byte 16\n",
    )


def test_collection_whose_model_is_not_installed(default_db, text_model):
    llm.Collection("gone", str(default_db), model_id="uninstalled-model")
    coll = llm.Collection("gone", str(default_db))
    coll.conn.execute(
        "INSERT INTO embeddings (collection_id, id, embedding) VALUES (?, 'a', ?), (?, 'b', ?)",
        [coll.id, llm.encode([1, 0]), coll.id, llm.encode([1, 1])],
    )
    coll.conn.commit()
    result = invoke(["similar", "gone", "-c", "x"])
    assert (result.exit_code, result.stderr) == (1, "Error: Unknown model: uninstalled-model\n")
    # searching by ID needs no model
    result = invoke(["similar", "gone", "a"])
    assert json.loads(result.stdout) == {
        "id": "b",
        "score": pytest.approx(2**-0.5),
        "content": None,
        "metadata": None,
    }


def test_no_content_on_a_terminal_is_an_error_not_a_hang(phrases, monkeypatch):
    from llmio_cli.commands import embeddings

    monkeypatch.setattr(embeddings, "_stdin_is_terminal", lambda: True)
    for args in (["embed", "-m", "et"], ["similar", "phrases"]):
        result = invoke(args)
        assert (result.exit_code, result.stderr) == (
            1,
            "Error: Provide content with -c/--content, -i/--input or on standard input\n",
        )
