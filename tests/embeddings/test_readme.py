"""The llm-embeddings README's examples run as written."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
from support.openai_server import OpenAIServer

README = Path(__file__).resolve().parents[2] / "packages" / "llm-embeddings" / "README.md"


def example(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_embed_a_csv_file_from_python(tmp_path):
    (tmp_path / "articles.csv").write_text(
        "id,title,body\n"
        "1,Llamas,Llamas are domesticated South American camelids\n"
        "2,Alpacas,Alpacas are smaller than llamas\n"
        "3,Pelicans,Large water birds\n"
        "4,Kayaks,\n"
    )
    server = OpenAIServer().start()
    try:
        env = dict(
            os.environ,
            OPENAI_BASE_URL=server.url,
            OPENAI_API_KEY="sk-test",
            LLM_USER_PATH=str(tmp_path / "user"),
            LLM_LOAD_PLUGINS="",
        )

        def run_example():
            return subprocess.run(
                [sys.executable, "-c", example("Embed a CSV file from Python")],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )

        run = run_example()
        assert run.returncode == 0, run.stderr
        # again: nothing changed, so only the query is embedded
        before = len(server.requests)
        again = run_example()
        assert again.stdout == run.stdout
        assert [r.body["input"] for r in server.requests[before:]] == [["llamas"]]
    finally:
        server.stop()
    first = server.requests[0].body
    assert first["model"] == "text-embedding-3-small"
    assert first["input"] == [
        "Llamas Llamas are domesticated South American camelids",
        "Alpacas Alpacas are smaller than llamas",
        "Pelicans Large water birds",
        "Kayaks",
    ]
    conn = sqlite3.connect(tmp_path / "embeddings.db")
    rows = conn.execute("SELECT id, content, embedding FROM embeddings ORDER BY id").fetchall()
    assert [(id, content) for id, content, _ in rows] == [
        ("1", first["input"][0]),
        ("2", first["input"][1]),
        ("3", first["input"][2]),
        ("4", "Kayaks"),
    ]
    # what it printed: the three best by cosine against the server's vector for "llamas"
    query = np.array([(len("llamas") + j) * 0.5 for j in range(8)])
    scored = []
    for id, content, blob in rows:
        vector = np.frombuffer(blob, "<f4").astype(np.float64)
        scored.append(
            (-(vector @ query) / np.linalg.norm(vector) / np.linalg.norm(query), id, content)
        )
    expected = "".join(
        f"{id} {round(-score, 4)} {content}\n" for score, id, content in sorted(scored)[:3]
    )
    assert run.stdout == expected
