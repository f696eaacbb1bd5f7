"""Several batches at the model at once: same rows, written in input order."""

from __future__ import annotations

import threading

import llm
import pytest
import sqlite_utils
from click.testing import CliRunner
from llmio_cli.app import cli
from llmio_embeddings import Collection, parallel_batches
from support.openai_server import OpenAIServer


class ConcurrentModel(llm.EmbeddingModel):
    """Each batch waits until ``width`` batches are in flight together: it only
    finishes if they really are sent at once (a barrier, not a timer)."""

    model_id = "embed-concurrent"

    def __init__(self, width: int):
        self.parallel_batches = width
        self.barrier = threading.Barrier(width, timeout=10)
        self.lock = threading.Lock()
        self.active = 0
        self.most = 0
        self.batches: list[list[str]] = []

    def embed_batch(self, items):
        items = list(items)
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
            self.batches.append(items)
        try:
            if "boom" in items:
                raise llm.ModelError("model failed")
            self.barrier.wait()
            return [[float(len(item)), float(item.count("a")), 1.0] for item in items]
        finally:
            with self.lock:
                self.active -= 1


def stored(db, name="items"):
    return {
        row["id"]: (llm.decode(row["embedding"]), row["content"])
        for row in db.query(
            "SELECT embeddings.id, embedding, content FROM embeddings JOIN collections "
            "ON collections.id = collection_id WHERE collections.name = ? ORDER BY 1",
            [name],
        )
    }


def test_batches_are_sent_at_once_and_stored_as_one_at_a_time(tmp_path, text_model):
    model = ConcurrentModel(4)
    db = sqlite_utils.Database(tmp_path / "e.db")
    entries = [(f"id-{i:02d}", "a" * i) for i in range(40)]
    done = []
    Collection("items", db, model=model).embed_multi(
        entries, batch_size=5, store=True, progress=done.append
    )
    assert model.most == 4
    assert len(model.batches) == 8
    assert done == [5] * 8
    model.barrier = threading.Barrier(1)  # one at a time: nothing to wait for
    model.most = 0
    sequential = sqlite_utils.Database(tmp_path / "s.db")
    Collection("items", sequential, model=model).embed_multi(
        entries, batch_size=5, store=True, parallel=1
    )
    assert model.most == 1
    assert stored(db) == stored(sequential)
    assert len(stored(db)) == 40


def test_parallel_result_equals_sequential(tmp_path, text_model):
    entries = [(f"id-{i:02d}", f"[{i}, 1, 0, 0]") for i in range(23)]
    parallel_db = sqlite_utils.Database(tmp_path / "p.db")
    Collection("items", parallel_db, model=text_model).embed_multi(
        entries, batch_size=3, parallel=4, store=True
    )
    sequential_db = sqlite_utils.Database(tmp_path / "s.db")
    Collection("items", sequential_db, model=text_model).embed_multi(
        entries, batch_size=3, parallel=1, store=True
    )
    assert stored(parallel_db) == stored(sequential_db)
    assert len(stored(parallel_db)) == 23


def test_later_batches_win_as_in_input_order(tmp_path):
    """The same ID in batches 1 and 3: what is stored is batch 3's, as sequentially."""
    model = ConcurrentModel(3)
    db = sqlite_utils.Database(tmp_path / "e.db")
    entries = [("x", "first"), ("b1", "b"), ("c", "c"), ("d", "d"), ("x", "third aaa"), ("f", "f")]
    statements = []
    db.conn.set_trace_callback(statements.append)
    Collection("items", db, model=model).embed_multi(entries, batch_size=2, store=True)
    db.conn.set_trace_callback(None)
    assert stored(db)["x"] == ((9.0, 3.0, 1.0), "third aaa")
    inserts = [s for s in statements if s.startswith("INSERT OR REPLACE INTO embeddings")]
    written = [s.split("VALUES (")[1].split(",")[1].strip(" '") for s in dict.fromkeys(inserts)]
    assert written == ["x", "b1", "c", "d", "x", "f"]


def test_a_failing_batch_keeps_earlier_batches_and_stops(tmp_path):
    model = ConcurrentModel(2)
    model.barrier = threading.Barrier(1)  # do not wait: one batch fails
    db = sqlite_utils.Database(tmp_path / "e.db")
    entries = [("1", "a"), ("2", "b"), ("3", "boom"), ("4", "d"), ("5", "e"), ("6", "f")]
    with pytest.raises(llm.ModelError, match="model failed"):
        Collection("items", db, model=model).embed_multi(entries, batch_size=2)
    assert sorted(stored(db)) == ["1", "2"]


def test_rerun_skips_unchanged_content(tmp_path, text_model):
    entries = [(f"id-{i}", f"[{i}, 0, 1, 0]") for i in range(12)]
    collection = Collection("items", sqlite_utils.Database(tmp_path / "e.db"), model=text_model)
    collection.embed_multi(entries, batch_size=4, parallel=3)
    calls = text_model.calls
    collection.embed_multi(entries, batch_size=4, parallel=3)
    assert text_model.calls == calls


def test_how_many_batches_at_once(text_model):
    assert parallel_batches(text_model) == 1
    assert parallel_batches(text_model, 6) == 6
    assert parallel_batches(ConcurrentModel(5)) == 5
    assert parallel_batches(ConcurrentModel(5), 1) == 1
    assert parallel_batches(llm.get_embedding_model("3-small")) == 8


@pytest.fixture
def slow_server(monkeypatch):
    server = OpenAIServer().start()
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    monkeypatch.setenv("LLM_OPENAI_MAX_RETRIES", "0")
    try:
        yield server
    finally:
        server.stop()


def test_cli_parallel_against_the_openai_server(tmp_path, slow_server):
    csv = tmp_path / "rows.csv"
    csv.write_text("id,text\n" + "".join(f"r{i},text number {i}\n" for i in range(57)))
    runner = CliRunner()
    for parallel, name in (("1", "one.db"), ("5", "many.db")):
        result = runner.invoke(
            cli,
            [
                "embed-multi",
                "items",
                str(csv),
                "-m",
                "3-small",
                "--batch-size",
                "10",
                "--parallel",
                parallel,
                "-d",
                str(tmp_path / name),
                "--store",
            ],
            catch_exceptions=False,
        )
        assert (result.exit_code, result.output) == (0, "")
    one = stored(sqlite_utils.Database(tmp_path / "one.db"))
    many = stored(sqlite_utils.Database(tmp_path / "many.db"))
    assert one == many and len(many) == 57
    requests = [r for r in slow_server.requests if r.path == "/v1/embeddings"]
    assert len(requests) == 12
    assert sorted(len(r.body["input"]) for r in requests) == sorted([10] * 10 + [7] * 2)


def test_cli_parallel_option_validated(tmp_path, text_model):
    result = CliRunner().invoke(
        cli, ["embed-multi", "items", "-", "-m", "et", "--parallel", "0"], input="id,t\n1,a\n"
    )
    assert result.exit_code == 2
    assert "--parallel" in result.stderr


SLOW_CLI = r"""
import sys, time, llm
from llm.plugins import pm

class Slow(llm.EmbeddingModel):
    model_id = "slow"
    parallel_batches = 2

    def embed_batch(self, items):
        time.sleep(0.05)
        return [[1.0, float(len(item))] for item in items]

class Plugin:
    __name__ = "slow-model"

    @llm.hookimpl
    def register_embedding_models(self, register):
        register(Slow())

pm.register(Plugin(), name="slow-model")
from llmio_cli.app import main
sys.argv = ["llm", *sys.argv[1:]]
main()
"""


def test_progress_bar_with_rate_and_eta_only_on_a_terminal(tmp_path):
    import os
    import pty
    import re
    import subprocess
    import sys

    csv = tmp_path / "rows.csv"
    csv.write_text("id,text\n" + "".join(f"{i},text {i}\n" for i in range(24)))
    argv = [
        sys.executable,
        "-c",
        SLOW_CLI,
        "embed-multi",
        "items",
        str(csv),
        "-m",
        "slow",
        "--batch-size",
        "2",
    ]
    env = dict(os.environ, LLM_LOAD_PLUGINS="")
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [*argv, "-d", str(tmp_path / "tty.db")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    screen = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    assert process.wait(timeout=60) == 0
    with process.stdout:
        assert process.stdout.read() == b""
    os.close(controller)
    text = screen.decode()
    assert "Embedding" in text and "24/24" in text
    assert re.search(r" 1\d/24  \d+ items/s, 0:00:0\d left", text), text  # position, rate, ETA
    piped = subprocess.run(
        [*argv, "-d", str(tmp_path / "pipe.db")],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (piped.returncode, piped.stdout, piped.stderr) == (0, b"", b"")
    assert stored(sqlite_utils.Database(tmp_path / "pipe.db")) == stored(
        sqlite_utils.Database(tmp_path / "tty.db")
    )
