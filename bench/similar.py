"""Benchmark: ``llm similar`` over a clustered synthetic collection, exact and indexed.

    uv run python bench/similar.py [--rows 100000] [--dims 384] [--index] [--repeat 7]
                                   [--workdir DIR [--fresh]]

Builds (once per --workdir) a collection of ``--rows`` vectors drawn around
1,000 random centres with Gaussian noise, like real embeddings that fall into
topics, written straight into the documented schema. Then, in one run:

- the floors: ``python -c pass`` and ``llm --version`` as subprocesses;
- in process: ``similar_by_vector`` with a warm cache (the matrix-vector
  product + fetch), exact and, with ``--index``, through the HNSW index;
- recall@10 of the indexed search against the exact one over 200 queries
  drawn from the same distribution (not in the collection);
- ``llm similar`` end to end as subprocesses (by ID, and with ``-c`` through a
  fixture embedding model), exact and indexed;
- private memory of one query in a fresh process, page cache warm: peak
  resident memory growth minus the growth in file-backed pages (the mapped
  matrix), against the matrix's size;
- the one-off costs: building the cache from SQLite, building the index.

Subprocesses run with compiled bytecode in a private PYTHONPYCACHEPREFIX and
LLM_LOAD_PLUGINS='' (the default OpenAI plugin still loads).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLLECTION = "bench"
MODEL_ID = "bench-clustered"
CENTRES = 1000
NOISE = 0.6  # per-dimension noise around unit-variance centres


def centres(dims: int):
    import numpy as np

    return np.random.default_rng(1234).standard_normal((CENTRES, dims)).astype(np.float32)


def clustered(rng, count: int, dims: int):
    import numpy as np

    picks = rng.integers(0, CENTRES, count)
    noise = rng.standard_normal((count, dims)).astype(np.float32) * np.float32(NOISE)
    return centres(dims)[picks] + noise


def bench_model_plugin(dims: int):
    """A plugin whose model maps text to a point near one of the centres."""
    import llm
    import numpy as np

    class ClusteredEmbedding(llm.EmbeddingModel):
        model_id = MODEL_ID

        def embed_batch(self, items):
            for item in items:
                data = item.encode("utf-8") if isinstance(item, str) else item
                seed = int.from_bytes(hashlib.md5(data).digest()[:8], "little")
                yield clustered(np.random.default_rng(seed), 1, dims)[0].tolist()

    class Plugin:
        __name__ = "bench-embedding-model"

        @llm.hookimpl
        def register_embedding_models(self, register):
            register(ClusteredEmbedding())

    return Plugin()


def run_cli(argv: list[str], dims: int) -> None:
    """Entry point for the CLI subprocess: register the bench model, then run ``llm``."""
    from llm.plugins import pm

    pm.register(bench_model_plugin(dims), name="bench-embedding-model")
    from llmio_cli.app import main

    sys.argv = ["llm", *argv]
    main()


def build(db_path: Path, rows: int, dims: int) -> float:
    """Write ``rows`` clustered vectors straight into the documented schema."""
    import numpy as np
    import sqlite_utils
    from llmio_embeddings import Collection

    db = sqlite_utils.Database(db_path)
    collection = Collection(COLLECTION, db, model_id=MODEL_ID)
    rng = np.random.default_rng(42)
    start = time.perf_counter()
    chunk = 20_000
    for offset in range(0, rows, chunk):
        matrix = clustered(rng, min(chunk, rows - offset), dims).astype("<f4")
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


def timed_search(collection, queries, exact: bool) -> tuple[list[float], list[float], list]:
    walls, cpus, results = [], [], []
    for query in queries:
        wall, cpu = time.perf_counter(), time.process_time()
        results.append(collection.similar_by_vector(query, number=10, exact=exact))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, results


MEMORY_PROBE = r"""
import sys, threading, time, tracemalloc
import numpy as np
from llmio_embeddings import Collection

def anon():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024

collection = Collection(sys.argv[1], sys.argv[2])
query = np.random.default_rng(1).standard_normal(int(sys.argv[3])).tolist()
exact = sys.argv[4] == "exact"
collection.similar_by_vector(query, number=10, exact=exact)  # imports, first mapping
base = anon()
peak = [base]
running = True

def sample():
    while running:
        peak[0] = max(peak[0], anon())
        time.sleep(0.0005)

sampler = threading.Thread(target=sample)
sampler.start()
tracemalloc.start()
collection.similar_by_vector(query[::-1], number=10, exact=exact)
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
running = False
sampler.join()
print(peak[0] - base, traced, base)
"""


def memory(db_path: Path, dims: int, mode: str) -> list[int]:
    """(peak growth of anonymous memory, tracemalloc peak, anonymous memory before)."""
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, COLLECTION, str(db_path), str(dims), mode],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return [int(v) for v in out]


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_times(env, commands: dict[str, list[str]], repeat: int) -> dict[str, tuple]:
    """(median wall, min wall, median CPU, min CPU) of each command, after 2 warm-ups."""
    results = {}
    for label, argv in commands.items():
        walls, cpus = [], []
        for attempt in range(repeat + 2):
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
        results[label] = (statistics.median(walls), min(walls), statistics.median(cpus), min(cpus))
    return results


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--index", action="store_true", help="also build and measure the index")
    parser.add_argument("--workdir", help="keep the database (and cache, index) here between runs")
    parser.add_argument("--fresh", action="store_true", help="delete the cache and index first")
    parser.add_argument("--run-cli", action="store_true", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.run_cli:
        run_cli([a for a in rest if a != "--"], args.dims)
        return

    import numpy as np

    tmp = args.workdir or tempfile.mkdtemp(prefix="bench-similar-")
    Path(tmp).mkdir(parents=True, exist_ok=True)
    try:
        env = dict(os.environ, LLM_USER_PATH=tmp, LLM_LOAD_PLUGINS="")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        env["LLM_EMBEDDINGS_INDEX_THRESHOLD"] = "0"  # the index only when asked for
        os.environ.update(
            LLM_USER_PATH=tmp, LLM_LOAD_PLUGINS="", LLM_EMBEDDINGS_INDEX_THRESHOLD="0"
        )
        from llm.plugins import pm

        pm.register(bench_model_plugin(args.dims), name="bench-embedding-model")
        db_path = Path(tmp) / "embeddings.db"
        if not db_path.exists():
            seconds = build(db_path, args.rows, args.dims)
            print(f"built the SQLite collection in {seconds:.1f} s")
        raw = args.rows * args.dims * 4
        print(
            f"collection: {args.rows:,} x {args.dims} float32 ({CENTRES} centres, noise {NOISE})"
            f" = {raw / 1e6:.1f} MB raw; database {db_path.stat().st_size / 1e6:.1f} MB"
        )
        print(
            f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
            f"load average {os.getloadavg()[0]:.1f} at the start"
        )

        from llmio_embeddings import Collection

        collection = Collection(COLLECTION, str(db_path))
        cache_folder = Path(str(db_path) + ".vectors")
        if args.fresh:
            shutil.rmtree(cache_folder, ignore_errors=True)
        started = time.perf_counter()
        collection.similar_by_vector([1.0] * args.dims, exact=True)
        if "rebuild" in collection.storage.timings:
            print(
                f"cache built from SQLite in {time.perf_counter() - started:.2f} s "
                "(one-off; later writes patch it)"
            )
        header = json.loads((cache_folder / "c1.json").read_text())
        if args.index and header["index"] is None:
            started = time.perf_counter()
            collection.build_index()
            print(
                f"index built in {time.perf_counter() - started:.1f} s "
                f"({(cache_folder / 'c1.usearch').stat().st_size / 1e6:.0f} MB)"
            )
        rng = np.random.default_rng(7)
        queries = [q.tolist() for q in clustered(rng, 200, args.dims)]
        timed_search(collection, queries[:3], exact=True)  # warm the page cache
        walls, cpus, exact_results = timed_search(collection, queries, exact=True)
        print(f"\nin process, similar_by_vector(number=10), {len(queries)} queries, warm cache:")
        print(
            f"  exact    {ms(statistics.median(walls))} wall median, "
            f"{ms(statistics.median(cpus))} CPU median"
        )
        if args.index:
            timed_search(collection, queries[:3], exact=False)
            iwalls, icpus, index_results = timed_search(collection, queries, exact=False)
            recall = statistics.mean(
                len({e.id for e in a} & {e.id for e in b}) / 10
                for a, b in zip(index_results, exact_results)
            )
            print(
                f"  index    {ms(statistics.median(iwalls))} wall median, "
                f"{ms(statistics.median(icpus))} CPU median; recall@10 {recall:.3f} "
                f"(min {min(len({e.id for e in a} & {e.id for e in b}) for a, b in zip(index_results, exact_results))}/10)"
            )

        floor = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "llm --version": [str(Path(sys.executable).parent / "llm"), "--version"],
        }
        llm_script = str(Path(sys.executable).parent / "llm")
        with_model = [sys.executable, __file__, "--run-cli", "--dims", str(args.dims), "--"]
        commands = dict(floor)
        for mode, extra in (("--exact", ["--exact"]), ("(index)", [])):
            if extra or args.index:
                commands[f"llm similar bench item-123 {mode}"] = [
                    llm_script,
                    "similar",
                    COLLECTION,
                    "item-123",
                    *extra,
                ]
                commands[f"llm similar bench -c query {mode}"] = [
                    *with_model,
                    "similar",
                    COLLECTION,
                    "-c",
                    "query",
                    *extra,
                ]
        cli = cli_times(env, commands, args.repeat)
        base_wall, _, base_cpu, _ = cli["llm --version"]
        print(f"\nCLI end to end ({args.repeat} runs after 2 warm-ups):")
        print(f"  {'':38} wall median  wall min  CPU median   CPU min   above llm --version")
        for label, (wall, wall_min, cpu, cpu_min) in cli.items():
            above = (
                ""
                if label in floor
                else f"  +{ms(wall - base_wall).strip()} wall, +{ms(cpu - base_cpu).strip()} CPU"
            )
            print(f"  {label:38} {ms(wall)} {ms(wall_min)} {ms(cpu)} {ms(cpu_min)}{above}")

        print("\nmemory of one query in a fresh process (warm page cache):")
        for mode in ("exact", "index") if args.index else ("exact",):
            growth, traced, base_anon = memory(db_path, args.dims, mode)
            print(
                f"  {mode:6} private (anonymous) memory peak growth {growth / 1e6:6.1f} MB "
                f"= {growth / raw:.3f} x the matrix ({raw / 1e6:.0f} MB); tracemalloc peak "
                f"{traced / 1e6:.1f} MB; process private memory before {base_anon / 1e6:.0f} MB"
            )
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    finally:
        if not args.workdir:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
