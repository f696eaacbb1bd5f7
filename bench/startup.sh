#!/usr/bin/env bash
# Start-up time of the `llm` script against bare Python (DESIGN §6: `llm --help`
# within 100 ms of `python -c pass`), plus -X importtime evidence that `llm --help`
# imports none of openai / httpx / numpy / yaml.
#
# Usage: bench/startup.sh [RUNS]      (writes bench/RESULTS-startup.md)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-20}"
PY="${PYTHON:-.venv/bin/python}"
LLM="${LLM:-.venv/bin/llm}"
OUT=bench/RESULTS-startup.md
TMP_USER="$(mktemp -d)"
trap 'rm -rf "$TMP_USER"' EXIT
export LLM_USER_PATH="$TMP_USER"   # an empty user dir: no keys, no logs
# Our tool only: third-party plugins installed in the venv for compatibility tests
# (llm-tools-sqlite imports sqlite-utils and numpy, ...) are not loaded.
export LLM_LOAD_PLUGINS=""
# Measure with bytecode caches, as an installed tool has them. The caches go to a
# private prefix so neither the venv nor the source tree is written to.
unset PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX="$TMP_USER/pycache"

"$PY" - "$RUNS" "$PY" "$LLM" "$OUT" <<'PYEOF'
import os, platform, resource, statistics, subprocess, sys, time

runs, py, llm, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
cases = [
    ("python -c pass", [py, "-c", "pass"]),
    ("llm --version", [llm, "--version"]),
    ("llm --help", [llm, "--help"]),
    ("llm models", [llm, "models"]),
    # attribution: the floor any click CLI pays, and the default OpenAI plugin's import
    ("python -c 'import click'", [py, "-c", "import click"]),
    ("python -c 'import llmio_openai.plugin'", [py, "-c", "import llmio_openai.plugin"]),
    ("llm --help, OpenAI plugin blocked", [py, "-c", (
        "import sys, llm.plugins as p; p.pm.set_blocked('openai'); sys.argv = ['llm', '--help']; "
        "from llmio_cli.__main__ import main; main()")]),
]

def cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv):
    """(wall ms, CPU ms) of one run; CPU time is less disturbed by a busy machine."""
    cpu_before, start = cpu(), time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - start) * 1000, (cpu() - cpu_before) * 1000


results = {}
for name, argv in cases:
    for _ in range(3):  # warm the OS file cache and the bytecode cache
        timed(argv)
    samples = [timed(argv) for _ in range(runs)]
    wall = [w for w, _ in samples]
    cpu_ms = [c for _, c in samples]
    results[name] = (statistics.median(wall), min(wall), statistics.median(cpu_ms), min(cpu_ms))

# -X importtime for `llm --help`: which heavy modules get imported at all?
proc = subprocess.run([py, "-X", "importtime", "-m", "llmio_cli", "--help"],
                      capture_output=True, text=True, check=True)
imported = [line.split("|")[-1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:") and "|" in line]
heavy = ("openai", "httpx", "numpy", "yaml", "sqlite_utils")
found = {h: sorted(m for m in imported if m == h or m.startswith(h + ".")) for h in heavy}
rows = []
by_package = {}
for line in proc.stderr.splitlines()[1:]:
    parts = line.split("|")
    if len(parts) == 3:
        self_us = int(parts[0].split(":")[1])
        rows.append((int(parts[1]), parts[2].rstrip()))
        package = parts[2].strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + self_us
top = sorted(rows, reverse=True)[:15]
packages = sorted(by_package.items(), key=lambda kv: -kv[1])[:12]
load = os.getloadavg()[0]

base = results["python -c pass"]
lines = [
    "# Start-up benchmark",
    "",
    f"`bench/startup.sh {runs}` on {platform.node() or 'this machine'}: Python "
    f"{platform.python_version()}, {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs.",
    f"{runs} runs each after 3 warm-up runs (bytecode cached in a private "
    "`PYTHONPYCACHEPREFIX`); empty `LLM_USER_PATH`; `LLM_LOAD_PLUGINS=''` (first-party "
    "plugins only); times in ms. "
    f"1-minute load average when done: {load:.2f} (wall times are unreliable when it "
    "exceeds the CPU count; CPU time is the steadier figure).",
    "",
    "| command | wall median | wall min | CPU median | CPU min | CPU min - python |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
]
for name, _ in cases:
    med, mn, cmed, cmin = results[name]
    lines.append(f"| `{name}` | {med:.1f} | {mn:.1f} | {cmed:.1f} | {cmin:.1f} | "
                 f"{cmin - base[3]:+.1f} |")
delta = results["llm --help"][3] - base[3]
lines += [
    "",
    f"Budget (DESIGN §6): `llm --help` within 100 ms of `python -c pass` (CPU min): "
    f"**{'met' if delta <= 100 else 'NOT met'}** ({delta:+.1f} ms).",
    "",
    "## `python -X importtime -m llmio_cli --help`",
    "",
    "Heavy modules imported (should all be none):",
    "",
]
for h in heavy:
    lines.append(f"- `{h}`: " + (", ".join(found[h][:5]) + (" ..." if len(found[h]) > 5 else "")
                                 if found[h] else "not imported"))
lines += ["", f"{len(imported)} modules imported in total. Self import time by top-level "
          "package (us, from one `-X importtime` run):", "", "```"]
lines += [f"{us:>9} | {name}" for name, us in packages]
lines += ["```", "", "Largest cumulative import times (us):", "", "```"]
lines += [f"{cum:>9} | {name}" for cum, name in top]
lines += ["```", ""]
open(out, "w").write("\n".join(lines))
print("\n".join(lines))
PYEOF
