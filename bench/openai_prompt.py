"""Benchmark: one logged, streamed prompt to an OpenAI model, the whole process.

    uv run python bench/openai_prompt.py [--runs 20] [--llm PATH ...]

``llm -m gpt-4o-mini hi`` against the local test server
(tests/support/openai_server.py), logging on, third-party plugins off, measured in
the same run as ``python -c pass`` (the floor), over plain HTTP and over HTTPS
(the test server with the test CA in ``SSL_CERT_FILE``). Runs are interleaved
(one of each case in turn) so a busy machine slows all cases alike; CPU time
(user + system of the child) is the steadier figure on a shared machine.

For the first installation, where the time goes: importing the CLI, the CLI plus
the core's model classes (``llm.models``: pydantic, asyncio), and the prompt not
logged. Where llm-echo is installed, the same logged prompt to its ``echo`` model (no
request, a plugin that imports nothing) shows what any prompt costs in the CLI and
the core, whatever the model's plugin.

``--llm`` adds another installation's ``llm`` script to compare (a venv holding
the wheels from before the change, say); the first is this workspace's
``.venv/bin/llm`` unless given. Each installation's own Python runs its
reference cases (``import openai``).

Also checked, in this workspace: the modules of the ``openai`` SDK and its HTTP
stack that a process importing ``llmio_openai`` and making one request loads
(none), and how many ``ssl.SSLContext`` objects one HTTPS prompt creates (one).

Writes bench/RESULTS-openai-prompt.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TLS = ROOT / "tests" / "openai" / "data" / "tls"
OUT = ROOT / "bench" / "RESULTS-openai-prompt.md"
SDK_MODULES = ("openai", "httpx", "httpx2", "httpcore", "httpcore2", "anyio")

# Runs in the workspace's Python: import llmio_openai, one streamed request, then
# which SDK modules are loaded and how many TLS contexts were made (over HTTPS).
CHECK = r"""
import json, ssl, sys
made = []
original = ssl.SSLContext.__new__
def counted(cls, *args, **kwargs):
    made.append(cls)
    return original(cls, *args, **kwargs)
ssl.SSLContext.__new__ = staticmethod(counted)
import llmio_openai, llm
text = llm.get_model("gpt-4o-mini").prompt("hi").text()
print(json.dumps({"text": text, "contexts": len(made),
                  "sdk": sorted(m for m in sys.modules if m.split(".")[0] in %r)}))
""" % (SDK_MODULES,)


# The costs behind "one TLS context per process": building a context (loading the
# certificate store), and building an ``openai`` client, which made its own context
# (what the embedding model did for every batch before).
TLS_COSTS = r"""
import json, time
from llmio_openai import transport
def per_call(make, runs=10):
    make()
    start = time.process_time()
    for _ in range(runs):
        make()
    return (time.process_time() - start) * 1000 / runs
context = per_call(lambda: transport._new_tls_context(None, None))
directory = per_call(lambda: transport._new_tls_context(None, None, directory_only=True))
cached = per_call(transport.tls_context, 1000)
import openai
def sdk_client():
    openai.OpenAI(api_key="sk-bench", base_url="https://127.0.0.1:9/v1").close()
print(json.dumps({"context": context, "directory": directory, "cached": cached,
                  "sdk_client": per_call(sdk_client)}))
"""


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], env: dict[str, str], expect: str | None) -> tuple[float, float]:
    """(wall ms, CPU ms) of one run; the output is checked when ``expect`` is given."""
    cpu_before, start = child_cpu(), time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    wall, cpu = (time.perf_counter() - start) * 1000, (child_cpu() - cpu_before) * 1000
    if proc.returncode != 0 or (expect is not None and proc.stdout != expect):
        raise SystemExit(f"{argv} failed ({proc.returncode}): {proc.stdout!r} {proc.stderr}")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--llm", action="append", default=[],
                        help="an llm script to measure (repeat to compare installations)")
    args = parser.parse_args()
    scripts = args.llm or [str(ROOT / ".venv" / "bin" / "llm")]

    sys.path.insert(0, str(ROOT / "tests"))
    from support.openai_server import OpenAIServer

    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(TLS / "server.pem", TLS / "server-key.pem")
    http_server, https_server = OpenAIServer().start(), OpenAIServer(tls=server_tls).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            base = dict(os.environ, LLM_LOAD_PLUGINS="", OPENAI_API_KEY="sk-bench",
                        LLM_USER_PATH=str(Path(tmp) / "user"))
            # Bytecode caches as an installed tool has them, in a private prefix.
            base.pop("PYTHONDONTWRITEBYTECODE", None)
            base["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                         "all_proxy"):
                base.pop(name, None)
            http_env = dict(base, OPENAI_BASE_URL=http_server.url)
            https_env = dict(base, OPENAI_BASE_URL=https_server.url,
                             SSL_CERT_FILE=str(TLS / "ca.pem"))
            cases: list[tuple[str, list[str], dict, str | None]] = [
                ("python -c pass", [sys.executable, "-c", "pass"], base, None)]
            python = str(Path(scripts[0]).parent / "python")
            # Where the time of the first installation's prompt goes: the CLI alone,
            # then with the core's model classes (pydantic, asyncio), then unlogged.
            cases += [
                ("python -c 'import llmio_cli.app'", [python, "-c", "import llmio_cli.app"],
                 base, None),
                ("python -c 'import llmio_cli.app, llm.models'",
                 [python, "-c", "import llmio_cli.app, llm.models"], base, None),
                ("llm -m gpt-4o-mini hi -n (not logged)",
                 [scripts[0], "-m", "gpt-4o-mini", "hi", "-n"], http_env, "ok\n"),
            ]
            for script in scripts:
                python = str(Path(script).parent / "python")
                label = "" if len(scripts) == 1 else f" [{Path(script).parent.parent.name}]"
                if subprocess.run([python, "-c", "import llm_echo"], env=base,
                                  capture_output=True).returncode == 0:
                    # The same logged prompt to a model that makes no request: what
                    # any prompt costs in the CLI and core, whatever the plugin.
                    cases.append((f"llm -m echo hi (llm-echo){label}", [script, "-m", "echo", "hi"],
                                  dict(base, LLM_LOAD_PLUGINS="llm-echo"), None))
                cases += [
                    (f"llm -m gpt-4o-mini hi{label}", [script, "-m", "gpt-4o-mini", "hi"],
                     http_env, "ok\n"),
                    (f"llm -m gpt-4o-mini hi, HTTPS{label}", [script, "-m", "gpt-4o-mini", "hi"],
                     https_env, "ok\n"),
                    (f"llm --help{label}", [script, "--help"], base, None),
                    (f"python -c 'import openai'{label}", [python, "-c", "import openai"],
                     base, None),
                ]
            for _ in range(3):  # warm the file cache and the bytecode caches
                for _, argv, env, expect in cases:
                    timed(argv, env, expect)
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in cases}
            for _ in range(args.runs):
                for name, argv, env, expect in cases:
                    samples[name].append(timed(argv, env, expect))
            python = str(ROOT / ".venv" / "bin" / "python")
            check = subprocess.run([python, "-c", CHECK], env=https_env, capture_output=True,
                                   text=True, check=True)
            checked = json.loads(check.stdout)
            costs = json.loads(subprocess.run([python, "-c", TLS_COSTS], env=base,
                                              capture_output=True, text=True,
                                              check=True).stdout)
            logged = subprocess.run([scripts[0], "logs", "-n", "1", "--json"], env=http_env,
                                    capture_output=True, text=True, check=True)
            last = json.loads(logged.stdout)[0]
    finally:
        http_server.stop()
        https_server.stop()

    floor = samples["python -c pass"]
    floor_wall = statistics.median(w for w, _ in floor)
    floor_cpu = min(c for _, c in floor)
    lines = [
        "# A prompt to an OpenAI model, whole process",
        "",
        f"`bench/openai_prompt.py --runs {args.runs}`: Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; 1-minute load "
        f"average at the end {os.getloadavg()[0]:.2f}. Each case {args.runs} times, "
        "interleaved, after 3 warm-up rounds; bytecode cached; `LLM_LOAD_PLUGINS=''`; "
        "every prompt logged to a fresh `logs.db` and its output checked. Times in ms.",
        "",
        "| case | wall median | wall min | CPU median | CPU min | wall median over floor "
        "| CPU min over floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, *_ in cases:
        runs = samples[name]
        wall = [w for w, _ in runs]
        cpu = [c for _, c in runs]
        lines.append(f"| `{name}` | {statistics.median(wall):.1f} | {min(wall):.1f} | "
                     f"{statistics.median(cpu):.1f} | {min(cpu):.1f} | "
                     f"{statistics.median(wall) - floor_wall:+.1f} | {min(cpu) - floor_cpu:+.1f} |")
    lines += [
        "",
        f"One process that imports `llmio_openai` and streams one prompt over HTTPS "
        f"(answer {checked['text']!r}): SDK modules loaded: "
        f"{', '.join(checked['sdk']) or 'none'}; `ssl.SSLContext` objects created: "
        f"{checked['contexts']}.",
        f"The last prompt was logged: model `{last['model']}`, response {last['response']!r}.",
        "",
        f"CPU per call, in process: a new TLS context loading the system's CA file "
        f"{costs['context']:.1f} ms; one trusting the hashed CA directory, read on demand "
        f"(the first context without `SSL_CERT_FILE`/`SSL_CERT_DIR`) "
        f"{costs['directory']:.2f} ms; the process's cached context "
        f"{costs['cached'] * 1000:.1f} us; a new `openai.OpenAI` client (its own context, "
        f"from the CA file; what each embedding batch paid before) "
        f"{costs['sdk_client']:.1f} ms.",
        "",
    ]
    OUT.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
