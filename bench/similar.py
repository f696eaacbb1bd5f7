"""Benchmark: similarity search over 100,000 x 384-dimension vectors.

    uv run python bench/similar.py [--rows 100000] [--dims 384] [--repeat 5]

Measures, on a collection built in a temporary LLM_USER_PATH:
- in process: ``collection.similar_by_vector()`` end to end, with the breakdown
  (SQLite read into one buffer, np.frombuffer decode, matrix-vector product,
  top-N selection and rescoring);
- peak memory of one search (tracemalloc and RSS, in a fresh process) against
  the size of the raw float32 data;
- the CLI end to end as subprocesses: ``llm similar COLLECTION ID`` with the
  installed ``llm`` script, and ``llm similar COLLECTION -c 'query'`` through
  the same CLI entry point with a fixture embedding model registered.

Targets (issue 6): CLI < 1 s, in-process < 200 ms, peak memory < 2x raw data.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLLECTION = "bench"
MODEL_ID = "bench-hash-384"


def bench_model_plugin(dims: int):
    """A plugin whose model maps text to a deterministic pseudo-random vector."""
    import llm
    import numpy as np

    class HashEmbedding(llm.EmbeddingModel):
        model_id = MODEL_ID

        def embed_batch(self, items):
            for item in items:
                data = item.encode("utf-8") if isinstance(item, str) else item
                seed = int.from_bytes(hashlib.md5(data).digest()[:8], "little")
                yield np.random.default_rng(seed).standard_normal(dims).astype("<f4").tolist()

    class Plugin:
        __name__ = "bench-embedding-model"

        @llm.hookimpl
        def register_embedding_models(self, register):
            register(HashEmbedding())

    return Plugin()


def run_cli(argv: list[str], dims: int) -> None:
    """Entry point for the CLI subprocess: register the bench model, then run ``llm``."""
    from llm.plugins import pm

    pm.register(bench_model_plugin(dims), name="bench-embedding-model")
    from llmio_cli.app import main

    sys.argv = ["llm", *argv]
    main()


def build(db_path: Path, rows: int, dims: int) -> float:
    """Write ``rows`` random vectors straight into the documented schema."""
    import numpy as np
    import sqlite_utils
    from llmio_embeddings import Collection

    db = sqlite_utils.Database(db_path)
    collection = Collection(COLLECTION, db, model_id=MODEL_ID)
    rng = np.random.default_rng(42)
    start = time.perf_counter()
    chunk = 10_000
    for offset in range(0, rows, chunk):
        matrix = rng.standard_normal((min(chunk, rows - offset), dims)).astype("<f4")
        with db.conn:
            db.conn.executemany(
                "INSERT INTO embeddings (collection_id, id, embedding, content, metadata, updated)"
                " VALUES (?, ?, ?, ?, NULL, 0)",
                (
                    (
                        collection.id,
                        f"item-{offset + i}",
                        matrix[i].tobytes(),
                        f"content {offset + i}",
                    )
                    for i in range(matrix.shape[0])
                ),
            )
    db.conn.execute("PRAGMA journal_mode = wal")
    db.close()
    return time.perf_counter() - start


def in_process(db_path: Path, dims: int, repeat: int) -> dict[str, tuple[float, float]]:
    """Median wall-clock seconds of each step and of the whole search, plus its CPU time."""
    import numpy as np
    import sqlite_utils
    from llmio_embeddings import Collection

    collection = Collection(COLLECTION, sqlite_utils.Database(db_path))
    query = np.random.default_rng(1).standard_normal(dims).tolist()
    collection.similar_by_vector(query)  # warm the OS page cache

    samples: dict[str, list[float]] = {k: [] for k in ("read", "score", "top", "fetch")}
    totals: list[tuple[float, float]] = []
    for _ in range(repeat):
        timings: dict[str, float] = {}
        wall, cpu = time.perf_counter(), time.process_time()
        results = collection._similar(query, 10, None, timings)
        totals.append((time.perf_counter() - wall, time.process_time() - cpu))
        assert len(results) == 10
        assert results == collection.similar_by_vector(query, number=10)
        for name, values in samples.items():
            values.append(timings[name])
    out = {name: (statistics.median(values), 0.0) for name, values in samples.items()}
    out["total"] = (
        statistics.median(w for w, _ in totals),
        statistics.median(c for _, c in totals),
    )
    out["total_min"] = (min(w for w, _ in totals), min(c for _, c in totals))
    return out


MEMORY_PROBE = r"""
import sys, tracemalloc
import numpy as np, sqlite_utils
from llmio_embeddings import Collection

def status():
    fields = {}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            fields[key] = int(value.split()[0]) * 1024
    return fields

collection = Collection(sys.argv[1], sqlite_utils.Database(sys.argv[2]))
query = np.random.default_rng(1).standard_normal(int(sys.argv[3])).tolist()
before = status()
tracemalloc.start()
collection.similar_by_vector(query, number=10)
current, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
after = status()
print(peak, after["VmHWM"] - before["VmHWM"], after["RssFile"] - before["RssFile"])
"""


def peak_memory(db_path: Path, dims: int) -> tuple[int, int, int]:
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, COLLECTION, str(db_path), str(dims)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(out[0]), int(out[1]), int(out[2])


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_times(
    env: dict[str, str], dims: int, repeat: int
) -> dict[str, tuple[float, float, float, float]]:
    """Wall-clock and CPU (user + sys) seconds of each command as a subprocess:
    (median wall, min wall, median CPU, min CPU)."""
    llm_script = Path(sys.executable).parent / "llm"
    commands = {
        "llm --version": [str(llm_script), "--version"],
        "llm similar bench item-123": [str(llm_script), "similar", COLLECTION, "item-123"],
        "llm similar bench -c 'query'": [
            sys.executable,
            __file__,
            "--run-cli",
            "--dims",
            str(dims),
            "--",
            "similar",
            COLLECTION,
            "-c",
            "query",
        ],
    }
    results = {}
    for label, argv in commands.items():
        walls, cpus = [], []
        for attempt in range(repeat + 2):  # two warm-up runs: OS cache, bytecode cache
            cpu_before = child_cpu()
            start = time.perf_counter()
            proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
            wall, cpu = time.perf_counter() - start, child_cpu() - cpu_before
            if proc.returncode != 0:
                raise SystemExit(f"{label} failed: {proc.stderr}")
            if "similar" in label:
                assert proc.stdout.count("\n") == 10, proc.stdout
            if attempt >= 2:
                walls.append(wall)
                cpus.append(cpu)
        results[label] = (
            statistics.median(walls),
            min(walls),
            statistics.median(cpus),
            min(cpus),
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--run-cli", action="store_true", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.run_cli:
        run_cli([a for a in rest if a != "--"], args.dims)
        return

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LLM_USER_PATH=tmp, LLM_LOAD_PLUGINS="")
        # Subprocesses run with bytecode caches, as an installed tool has them; the
        # caches go to a private prefix, so neither the venv nor the source is written.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        os.environ.update(LLM_USER_PATH=tmp, LLM_LOAD_PLUGINS="")
        from llm.plugins import pm

        pm.register(bench_model_plugin(args.dims), name="bench-embedding-model")
        db_path = Path(tmp) / "embeddings.db"
        build_seconds = build(db_path, args.rows, args.dims)
        raw = args.rows * args.dims * 4
        print(
            f"collection: {args.rows:,} x {args.dims} float32 = {raw / 1e6:.1f} MB raw; "
            f"database {db_path.stat().st_size / 1e6:.1f} MB (built in {build_seconds:.1f} s)"
        )
        print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")

        timings = in_process(db_path, args.dims, args.repeat)
        wall, cpu = timings["total"]
        wall_min, cpu_min = timings["total_min"]
        print(f"\nin process, collection.similar_by_vector(number=10), {args.repeat} runs:")
        print(
            f"  total            {wall * 1000:7.1f} ms wall median ({wall_min * 1000:.1f} min),"
            f" {cpu * 1000:.1f} ms CPU median ({cpu_min * 1000:.1f} min)   (target < 200 ms)"
        )
        notes = {
            "read": "SQLite read: one SELECT, fetchmany + b''.join per chunk of rows",
            "score": "np.frombuffer + float32 matrix-vector product + row norms, per chunk",
            "top": "argpartition over all scores",
            "fetch": "fetch the top N rows, float64 rescoring, content + metadata",
        }
        for key, note in notes.items():
            print(f"  {key:6} {timings[key][0] * 1000:7.1f} ms wall median   {note}")

        traced, hwm, file_pages = peak_memory(db_path, args.dims)
        private = hwm - file_pages
        print("\npeak memory of one search (fresh process):")
        print(
            f"  tracemalloc peak  {traced / 1e6:7.1f} MB = {traced / raw:.3f}x raw data"
            " (Python + numpy heap)"
        )
        print(
            f"  peak RSS growth   {hwm / 1e6:7.1f} MB: {private / 1e6:.1f} MB private"
            f" = {private / raw:.3f}x raw data (target < 2x), plus {file_pages / 1e6:.1f} MB"
            " of the database file's memory-mapped (page cache) pages"
        )

        cli = cli_times(env, args.dims, args.repeat)
        print(f"\nCLI end to end (subprocess, {args.repeat} runs after 2 warm-up runs):")
        print(f"  {'':32} wall median  wall min  CPU median   CPU min")
        for label, (wall, wall_min, cpu, cpu_min) in cli.items():
            print(
                f"  {label:32} {wall * 1000:8.1f} ms {wall_min * 1000:6.1f} ms"
                f" {cpu * 1000:7.1f} ms {cpu_min * 1000:6.1f} ms"
            )
        print(f"\nload average during the run: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
