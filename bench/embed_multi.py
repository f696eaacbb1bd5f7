"""Benchmark: ``llm embed-multi`` of 20,000 CSV rows with a fixture model.

    uv run python bench/embed_multi.py [--rows 20000] [--dims 384] [--repeat 3]

The fixture model returns a constant vector, so the figures are llm's own
per-row overhead: CSV parsing, hashing, the hash look-up, float32 encoding and
the batched SQLite writes. Each run is a subprocess through the CLI entry point
(with the model registered first); start-up is measured separately with
``embed-models list`` and subtracted. A second run over unchanged rows shows
the cost of skipping by content hash.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--dims", type=int, default=384)
    parser.add_argument("--repeat", type=int, default=5)
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
        csv_path = Path(tmp) / "rows.csv"
        with csv_path.open("w", encoding="utf-8") as f:
            f.write("id,title,body\n")
            for i in range(args.rows):
                f.write(
                    f"row-{i},Title {i},This is the body text of row number {i}, quoted\n".replace(
                        ", quoted", ""
                    )
                )

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
