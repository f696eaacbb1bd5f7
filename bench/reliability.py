"""Reliability benchmark: the big counts of issue 10 ("Must show"), run by hand.

    uv run python bench/reliability.py               # everything, real `llm` processes
    uv run python bench/reliability.py writers kill  # some scenarios
    uv run python bench/reliability.py --quick       # small counts, to try it out

Scenarios (each in a fresh user directory under a temporary directory, against
the scripted OpenAI-compatible server of tests/support/openai_server.py):

- ``writers``: 32 lanes, each running 20 ``llm`` prompts one after the other,
  all lanes at once into one user directory: rows logged, "locked" messages.
- ``first-use``: 32 ``llm`` processes started together on a user directory that
  does not exist yet: rows logged, schema version, integrity.
- ``held``: another connection holds a read transaction and another a write
  transaction for 8 s (default busy timeout) while 4 lanes x 3 prompts run.
- ``kill``: 20 ``kill -9`` of a streaming ``llm`` (10 mid-stream, 10 at random
  moments of a short prompt, some landing in the log write), integrity after each.
- ``faults``: every fault mode of the test server: time to the error, exit code,
  the error line, and how the response was logged.

Prints a Markdown report; ``--write`` appends it to bench/RESULTS-reliability.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.openai_server import OpenAIServer

LLM = Path(sys.executable).parent / "llm"
KEY = "sk-bench-SECRET-KEY-0123456789"


PLUGIN = """
import llm


class BenchEcho(llm.Model):
    model_id = "bench-echo"
    can_stream = True

    def execute(self, prompt, stream, response, conversation):
        response.set_usage(input=len((prompt.prompt or "").split()), output=2)
        yield "echo: "
        yield prompt.prompt or ""


@llm.hookimpl
def register_models(register):
    register(BenchEcho())
"""


class Bench:
    def __init__(self, server: OpenAIServer, base: Path, model: str) -> None:
        self.server = server
        self.base = base
        self.model = model  # "srv" (the test server) or "bench-echo" (no network)
        self.site = base / "site"
        self.site.mkdir()
        (self.site / "llm_bench_echo.py").write_text(PLUGIN)
        dist = self.site / "llm_bench_echo-0.1.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-bench-echo\nVersion: 0.1\n")
        (dist / "entry_points.txt").write_text("[llm]\nllm_bench_echo = llm_bench_echo\n")

    def user_dir(self, name: str, configure: bool = True) -> Path:
        path = self.base / name
        if configure:
            path.mkdir(parents=True)
            (path / "extra-openai-models.yaml").write_text(
                f"- model_id: srv\n  model_name: gpt-4o-mini\n  api_base: {self.server.url}\n"
                "  api_key_name: srv\n")
            (path / "keys.json").write_text(f'{{"srv": "{KEY}"}}\n')
        return path

    def env(self, user_dir: Path, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "OPENAI_"))}
        env.update(LLM_USER_PATH=str(user_dir), LLM_LOAD_PLUGINS="llm-bench-echo",
                   PYTHONPATH=str(self.site),
                   LLM_OPENAI_MAX_RETRIES="0", LLM_OPENAI_TIMEOUT="30")
        env.update(extra)
        return env

    def run(self, user_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(LLM), *args], capture_output=True, text=True, check=False,
                              env=self.env(user_dir, **env), timeout=600)


def rows(user_dir: Path) -> list[tuple]:
    db = user_dir / "logs.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=60)
    try:
        return conn.execute("select r.prompt, r.incomplete, c.id from responses r "
                            "left join conversations c on c.id = r.conversation_id").fetchall()
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db, timeout=60)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def lanes(bench: Bench, user_dir: Path, n_lanes: int, per_lane: int, tag: str, **env: str):
    """``n_lanes`` threads, each running ``per_lane`` prompts in sequence."""
    results: list[subprocess.CompletedProcess] = []
    lock = threading.Lock()

    def lane(i: int) -> None:
        for j in range(per_lane):
            done = bench.run(user_dir, "-m", bench.model, f"{tag} {i}-{j}", **env)
            with lock:
                results.append(done)

    with ThreadPoolExecutor(n_lanes) as pool:
        list(pool.map(lane, range(n_lanes)))
    return results


def summarize(results, user_dir: Path, expected: int, tag: str) -> dict:
    logged = [r for r in rows(user_dir) if r[0] and r[0].startswith(tag)]
    stderr = "".join(r.stderr for r in results)
    pending = user_dir / "logs-pending.jsonl"
    return {
        "processes": len(results),
        "exit 0": sum(1 for r in results if r.returncode == 0),
        "rows expected": expected,
        "rows logged": len(logged),
        "lost": expected - len(logged),
        "orphan responses": sum(1 for r in logged if r[2] is None),
        '"locked" messages': stderr.lower().count("locked"),
        "tracebacks": stderr.count("Traceback"),
        "pending records left": (len(pending.read_text().splitlines()) if pending.exists() else 0),
        "integrity": integrity(user_dir / "logs.db"),
        "first failure": next((" / ".join(r.stderr.strip().splitlines()[-3:])
                               for r in results if r.returncode != 0), "none"),
    }


# -- scenarios ---------------------------------------------------------------------


def scenario_writers(bench: Bench, quick: bool) -> dict:
    n, per = (4, 3) if quick else (32, 20)
    user_dir = bench.user_dir("writers")
    start = time.monotonic()
    results = lanes(bench, user_dir, n, per, "w")
    out = summarize(results, user_dir, n * per, "w")
    out["setup"] = f"{n} lanes x {per} prompts, all lanes at once"
    out["wall seconds"] = round(time.monotonic() - start, 1)
    return out


def scenario_first_use(bench: Bench, quick: bool) -> dict:
    n = 4 if quick else 32
    user_dir = bench.base / "first-use" / "not-yet"
    env = {"OPENAI_BASE_URL": bench.server.url, "OPENAI_API_KEY": KEY}
    model = "gpt-4o-mini" if bench.model == "srv" else bench.model
    start = time.monotonic()
    procs = [subprocess.Popen([str(LLM), "-m", model, f"f {i}"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=bench.env(user_dir, **env))
             for i in range(n)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    summary = summarize(results, user_dir, n, "f")
    conn = sqlite3.connect(user_dir / "logs.db")
    summary["journal_mode"] = conn.execute("PRAGMA journal_mode").fetchone()[0]
    summary["user_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    summary["setup"] = f"{n} processes started together, user directory absent"
    summary["wall seconds"] = round(time.monotonic() - start, 1)
    return summary


def _hold(db: Path, kind: str, seconds: float, started: threading.Event) -> None:
    conn = sqlite3.connect(db, isolation_level=None, timeout=60)
    if kind == "read":
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM responses").fetchone()
    else:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO conversations (id, name, model) VALUES (?, 'held', 'x')",
                     [f"held-{time.time()}"])
    started.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def scenario_held(bench: Bench, quick: bool) -> dict:
    hold = 3.0 if quick else 8.0
    user_dir = bench.user_dir("held")
    assert bench.run(user_dir, "-m", bench.model, "create").returncode == 0
    threads = []
    for kind in ("read", "write"):
        started = threading.Event()
        thread = threading.Thread(target=_hold,
                                  args=(user_dir / "logs.db", kind, hold, started))
        thread.start()
        started.wait(10)
        threads.append(thread)
    start = time.monotonic()
    results = lanes(bench, user_dir, 4, 3, "h")  # default LLM_BUSY_TIMEOUT (30 s)
    for thread in threads:
        thread.join()
    out = summarize(results, user_dir, 12, "h")
    out["setup"] = (f"read + write transaction held {hold:g} s by other connections, "
                    "4 lanes x 3 prompts, default busy timeout")
    out["wall seconds"] = round(time.monotonic() - start, 1)
    warnings = sum(r.stderr.count("Warning") for r in results)
    out["warnings"] = warnings
    return out


def _read_until(proc: subprocess.Popen, needle: bytes, timeout: float = 60) -> None:
    import select

    data = b""
    deadline = time.monotonic() + timeout
    while needle not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                return
            data += chunk


def scenario_kill(bench: Bench, quick: bool) -> dict:
    n = 4 if quick else 20
    user_dir = bench.user_dir("kill")
    seed = bench.run(user_dir, "-m", "srv", "seed")
    assert seed.returncode == 0, seed.stderr
    t0 = time.monotonic()
    bench.run(user_dir, "-m", "srv", "timing")
    prompt_seconds = time.monotonic() - t0
    ok = 0
    rng = random.Random(10)
    kinds = []
    for i in range(n):
        env = bench.env(user_dir)
        if i % 2 == 0:  # mid-stream: two chunks printed, then the server stalls
            bench.server.reply(["alpha ", "beta ", "gamma"], fault="stall", stall_after=3)
            proc = subprocess.Popen([str(LLM), "-m", "srv", f"k{i}"], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=env)
            _read_until(proc, b"beta ")
            kinds.append("mid-stream")
        else:  # at a random moment of a whole prompt, often while logging
            proc = subprocess.Popen([str(LLM), "-m", "srv", f"k{i}"], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=env)
            time.sleep(prompt_seconds * rng.uniform(0.6, 1.05))
            kinds.append("random")
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        if integrity(user_dir / "logs.db") == "ok":
            ok += 1
    after = bench.run(user_dir, "-m", "srv", "after")
    logged = [r[0] for r in rows(user_dir)]
    return {
        "setup": f"{n} x kill -9 ({kinds.count('mid-stream')} mid-stream, "
                 f"{kinds.count('random')} at random moments)",
        "integrity ok after each kill": f"{ok}/{n}",
        "next prompt exit code": after.returncode,
        "next prompt logged": "after" in logged,
        "killed prompts that made it into the log": sum(1 for p in logged if p.startswith("k")),
        "orphan responses": sum(1 for r in rows(user_dir) if r[2] is None),
    }


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def scenario_faults(bench: Bench, quick: bool) -> list[dict]:
    timeout = 5.0
    chunks = ["one ", "two ", "three ", "four"]
    cases = [
        ("429 with message",
         lambda s: s.reply_error(429, "Rate limit reached for gpt-4o-mini"), ()),
        ("500", lambda s: s.reply_error(500, "The server had an error"), ()),
        ("502 HTML page", lambda s: s.reply_raw(502, "<html><head><title>502 Bad Gateway</title>"
                                                     "</head><body>nginx</body></html>"), ()),
        ("200 HTML body", lambda s: s.reply_raw(200, "<html><title>Sign in</title></html>"), ()),
        ("200 HTML body, --no-stream",
         lambda s: s.reply_raw(200, "<html><title>Sign in</title></html>"), ("--no-stream",)),
        ("cut stream", lambda s: s.reply(chunks, fault="cut"), ()),
        ("no end marker", lambda s: s.reply(chunks, fault="no_done"), ()),
        ("never answers", lambda s: s.hang(), ()),
        ("never answers, --no-stream", lambda s: s.hang(), ("--no-stream",)),
        ("stalls after 2 chunks", lambda s: s.reply(chunks, fault="stall", stall_after=3), ()),
        ("refused connection", None, ()),
    ]
    out = []
    for name, script, extra in cases:
        user_dir = bench.user_dir(f"fault-{len(out)}")
        if script is None:
            port = _closed_port()
            (user_dir / "extra-openai-models.yaml").write_text(
                f"- model_id: srv\n  model_name: gpt-4o-mini\n"
                f"  api_base: http://127.0.0.1:{port}/v1\n  api_key_name: srv\n")
        else:
            script(bench.server)
        start = time.monotonic()
        done = bench.run(user_dir, "-m", "srv", "hi", *extra, LLM_OPENAI_TIMEOUT=str(timeout))
        seconds = time.monotonic() - start
        errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
        logged = rows(user_dir)
        out.append({
            "fault": name,
            "seconds": round(seconds, 1),
            "LLM_OPENAI_TIMEOUT": timeout,
            "exit": done.returncode,
            "Error: lines": len(errors),
            "traceback": "Traceback" in done.stderr,
            "error line": errors[-1] if errors else done.stderr.strip()[-120:],
            "logged": ("nothing" if not logged else
                       ", ".join("incomplete" if r[1] else "COMPLETE" for r in logged)),
        })
        # Drop anything the fault left queued (a hang reply consumed by nothing).
        while bench.server._next_reply() is not None:
            pass
    return out


# -- report --------------------------------------------------------------------------


def table(rows_: list[dict]) -> str:
    keys = list(rows_[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows_:
        lines.append("| " + " | ".join(str(row[k]).replace("|", "\\|") for k in keys) + " |")
    return "\n".join(lines)


def kv(result: dict) -> str:
    return table([{"measure": k, "value": v} for k, v in result.items()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*",
                        default=["writers", "first-use", "held", "kill", "faults"])
    parser.add_argument("--quick", action="store_true", help="small counts")
    parser.add_argument("--model", choices=["bench-echo", "srv"], default="bench-echo",
                        help="model for writers/first-use/held: a local plugin model with no "
                             "network (default; start-up is cheaper, so writes are denser) or "
                             "the OpenAI plugin against the test server")
    parser.add_argument("--write", action="store_true",
                        help="append the report to bench/RESULTS-reliability.md")
    args = parser.parse_args()
    functions = {"writers": scenario_writers, "first-use": scenario_first_use,
                 "held": scenario_held, "kill": scenario_kill, "faults": scenario_faults}
    counts = "quick counts" if args.quick else "full counts"
    machine = (f"{platform.node()}: Python {platform.python_version()}, {platform.system()} "
               f"{platform.machine()}, {os.cpu_count()} CPUs, load average "
               f"{os.getloadavg()[0]:.1f} at start; SQLite {sqlite3.sqlite_version}; {counts}; "
               f"real `llm` processes ({LLM}); model for writers/first-use/held: "
               f"`{args.model}`.")
    report = [f"## Run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "", machine, ""]
    with OpenAIServer() as server, tempfile.TemporaryDirectory(prefix="llm-rel-") as base:
        bench = Bench(server, Path(base), args.model)
        for name in args.scenarios:
            started = time.monotonic()
            print(f"running {name}...", file=sys.stderr, flush=True)
            result = functions[name](bench, args.quick)
            report.append(f"### {name}")
            report.append("")
            report.append(table(result) if isinstance(result, list) else kv(result))
            report.append("")
            print(f"  {name} took {time.monotonic() - started:.0f} s", file=sys.stderr)
    text = "\n".join(report)
    print(text)
    if args.write:
        path = ROOT / "bench" / "RESULTS-reliability.md"
        header = "" if path.exists() else (
            "# Reliability benchmark\n\n`bench/reliability.py` (issue 10, \"Must show\"). "
            "Each run appends a section.\n\n")
        with open(path, "a") as fp:
            fp.write(header + text + "\n")


if __name__ == "__main__":
    main()
