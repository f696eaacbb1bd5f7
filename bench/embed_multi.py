"""Benchmark: ``llm embed-multi`` of 20,000 CSV rows.

    uv run python bench/embed_multi.py [--rows 20000] [--dims 384] [--repeat 3]
    uv run python bench/embed_multi.py --latency 0.2 [--batch-size 50]

Without ``--latency``:
The fixture model returns a constant vector, so the figures are llm's own
per-row overhead: CSV parsing, hashing, the hash look-up, float32 encoding and
the batched SQLite writes. Each run is a subprocess through the CLI entry point
(with the model registered first); start-up is measured separately with
``embed-models list`` and subtracted. A second run over unchanged rows shows
the cost of skipping by content hash.

With ``--latency SECONDS``: the same rows through the default OpenAI
embedding model (``3-small``) against the local OpenAI-compatible test server
(tests/support/openai_server.py), which waits that long before answering each
request, once with ``--parallel 1`` and once with the model's default
(``parallel_batches``); both databases must end up with the same rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODEL_ID = "bench-constant"


def run_cli(argv: list[str], dims: int) -> None:
    import llm
    from llm.plugins import pm

    vector = [0.5] * dims

    class ConstantEmbedding(llm.EmbeddingModel):
        model_id = MODEL_ID

        def embed_batch(self, items):
            return (vector for _ in items)

    class Plugin:
        __name__ = "bench-embedding-model"

        @llm.hookimpl
        def register_embedding_models(self, register):
            register(ConstantEmbedding())

    pm.register(Plugin(), name="bench-embedding-model")
    from llmio_cli.app import main

    sys.argv = ["llm", *argv]
    main()


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], dims: int) -> tuple[float, float]:
    """Wall-clock and CPU (user + sys) seconds of one CLI run in a subprocess."""
    cpu_before = child_cpu()
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--run-cli", "--dims", str(dims), "--", *argv],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed: {proc.stderr}")
    return elapsed, child_cpu() - cpu_before


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("id,title,body\n")
        for i in range(rows):
            f.write(f"row-{i},Title {i},This is the body text of row number {i}\n")


def stored_rows(path: Path) -> list[tuple]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT id, embedding, content_hash FROM embeddings ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def with_latency(args: argparse.Namespace) -> None:
    """Both runs against the test server, which sleeps before each answer."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from support.openai_server import OpenAIServer

    class SlowServer(OpenAIServer):
        def _record(self, request):  # runs in the request's own thread
            super()._record(request)
            time.sleep(args.latency)

    server = SlowServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, LLM_USER_PATH=tmp, LLM_LOAD_PLUGINS="",
                       OPENAI_BASE_URL=server.url, OPENAI_API_KEY="sk-bench")
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
            csv_path = Path(tmp) / "rows.csv"
            write_csv(csv_path, args.rows)
            llm_script = str(Path(sys.executable).parent / "llm")
            subprocess.run([llm_script, "--version"], env=env, check=True, capture_output=True)
            results = {}
            for label, extra in (("--parallel 1", ["--parallel", "1"]), ("default", [])):
                db = Path(tmp) / f"{label.strip('-').replace(' ', '')}.db"
                before = len(server.requests)
                cpu_before = child_cpu()
                start = time.perf_counter()
                subprocess.run(
                    [llm_script, "embed-multi", "items", str(csv_path), "-m", "3-small",
                     "--batch-size", str(args.batch_size), "-d", str(db), *extra],
                    env=env, check=True, capture_output=True,
                )
                results[label] = (time.perf_counter() - start, child_cpu() - cpu_before,
                                  len(server.requests) - before, db)
            one, many = results["--parallel 1"], results["default"]
            same = stored_rows(one[3]) == stored_rows(many[3])
            count = len(stored_rows(many[3]))
            print(f"embed-multi of {args.rows:,} CSV rows, 3-small against the local test server "
                  f"with {args.latency * 1000:.0f} ms per request, --batch-size {args.batch_size}:")
            for label, (wall, cpu, requests, _) in results.items():
                print(f"  {label:14} {wall:7.2f} s wall {cpu:6.2f} s CPU  {requests} requests")
            print(f"  speed-up: {one[0] / many[0]:.1f}x; same rows stored: {same} ({count:,} rows)")
            print(f"  floor (requests x latency, one at a time): {one[2] * args.latency:.1f} s")
            print(f"load average: {os.getloadavg()[0]:.1f}")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--latency", type=float, help="seconds the test server waits per request")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--run-cli", action="store_true", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.run_cli:
        run_cli([a for a in rest if a != "--"], args.dims)
        return
    if args.latency is not None:
        with_latency(args)
        return

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LLM_USER_PATH=tmp, LLM_LOAD_PLUGINS="")
        # Subprocesses run with bytecode caches, as an installed tool has them; the
        # caches go to a private prefix, so neither the venv nor the source is written.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        csv_path = Path(tmp) / "rows.csv"
        write_csv(csv_path, args.rows)

        def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
            return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)

        for _ in range(2):  # warm-up: OS file cache and bytecode cache
            timed(["embed-models", "list"], env, args.dims)
        startup = median(
            [timed(["embed-models", "list"], env, args.dims) for _ in range(args.repeat)]
        )
        fresh, unchanged, stored = [], [], []
        for n in range(args.repeat):
            db = str(Path(tmp) / f"fresh-{n}.db")
            fresh.append(
                timed(
                    ["embed-multi", "items", str(csv_path), "-m", MODEL_ID, "-d", db],
                    env,
                    args.dims,
                )
            )
            unchanged.append(
                timed(["embed-multi", "items", str(csv_path), "-d", db], env, args.dims)
            )
            db_store = str(Path(tmp) / f"store-{n}.db")
            stored.append(
                timed(
                    [
                        "embed-multi",
                        "items",
                        str(csv_path),
                        "-m",
                        MODEL_ID,
                        "-d",
                        db_store,
                        "--store",
                    ],
                    env,
                    args.dims,
                )
            )

        def line(label: str, runs: list[tuple[float, float]]) -> str:
            wall, cpu = median(runs)
            per_wall = (wall - startup[0]) / args.rows * 1e6
            per_cpu = (cpu - startup[1]) / args.rows * 1e6
            return (
                f"  {label:34} {wall * 1000:6.0f} ms {cpu * 1000:6.0f} ms"
                f"   {per_wall:5.1f} µs/row wall, {per_cpu:5.1f} µs/row CPU"
            )

        print(
            f"embed-multi of {args.rows:,} CSV rows, {args.dims}-dim constant model, "
            f"median of {args.repeat} subprocess runs ({os.cpu_count()} CPUs)"
        )
        print(f"  {'':34}   wall       CPU")
        print(
            f"  {'start-up (embed-models list)':34} {startup[0] * 1000:6.0f} ms "
            f"{startup[1] * 1000:6.0f} ms"
        )
        print(line("new collection", fresh))
        print(line("new collection, --store", stored))
        print(line("re-run, all unchanged (hash skip)", unchanged))
        print(f"load average during the run: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
