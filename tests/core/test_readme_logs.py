"""The llmio-core README's logs example runs as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import llm
import llm.logs

README = Path(__file__).resolve().parents[2] / "packages" / "llm-core" / "README.md"


def example(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split(f"### {heading}\n", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


class Canned(llm.Model):
    """Answers every prompt with the same line, under the ID the example filters on."""

    model_id = "gpt-4o-mini"

    def execute(self, prompt, stream, response, conversation):
        yield f"About {prompt.prompt.split()[-1]}."


class Other(Canned):
    model_id = "other-model"


def test_search_your_logs_from_python(user_path):
    with llm.logs.open() as store:
        for model, text in [
            (Canned(), "Tell me about otters"),
            (Canned(), "Name a pelican"),
            (Other(), "Draw a pelican"),
            (Canned(), "Pelican, pelican: a poem about the pelican"),
        ]:
            response = model.prompt(text)
            response.text()
            store.log(response)
        dates = [row["datetime_utc"][:10] for row in store.search(model="gpt-4o-mini", query="pelican")]

    env = dict(os.environ, LLM_USER_PATH=str(user_path), LLM_LOAD_PLUGINS="")
    run = subprocess.run(
        [sys.executable, "-c", example("Search your logs from Python")],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert run.returncode == 0, run.stderr
    # Best match last: the poem mentions pelicans most.
    assert run.stdout == (
        f"{dates[0]} gpt-4o-mini Name a pelican -> About pelican.\n"
        f"{dates[1]} gpt-4o-mini Pelican, pelican: a poem about the pelican -> About pelican.\n"
        "2 responses mention pelicans\n"
    )
