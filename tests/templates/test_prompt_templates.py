"""Templates through ``llm prompt`` / ``llm chat``: ``-t``, ``-p``, ``--save``.

The first half walks through every example in docs/templates.md, as written,
with the fixture models standing in for OpenAI's (``mock`` is the default model;
it replies ``mock: <prompt>``; ``echo-json`` replies with JSON of what it got).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import llm
import pytest
from support.cli import invoke

TESTS_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def models(fixtures):
    llm.set_default_model("mock")
    return fixtures


def write(directory, name, text):
    (directory / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def sent(models):
    """(prompt, system) of every call the mock model received ("" system shown as None)."""
    return [(p.prompt, p.system or None) for p, *_ in models.mock.history]


def echoed(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# --- docs/templates.md: Getting started ------------------------------------------------


def test_save_prompt_with_input_then_use_it(models, templates_dir):
    result = invoke("Summarize this: $input", "--save", "summarize")
    assert result.exit_code == 0
    assert result.output == ""
    assert models.mock.history == []  # --save stores, it does not run the prompt
    assert (templates_dir / "summarize.yaml").read_text() == "prompt: 'Summarize this: $input'\n"

    # curl -s https://example.com/ | llm -t summarize
    result = invoke("-t", "summarize", input="<h1>Example Domain</h1>")
    assert result.exit_code == 0
    assert result.output == "mock: Summarize this: <h1>Example Domain</h1>\n"
    assert sent(models) == [("Summarize this: <h1>Example Domain</h1>", None)]


def test_save_system_prompt(models, templates_dir):
    result = invoke("--system", "Summarize this", "--save", "summarize")
    assert result.exit_code == 0
    assert (templates_dir / "summarize.yaml").read_text() == "system: Summarize this\n"
    result = invoke("-t", "summarize", input="Some long text")
    assert result.output == "mock: Some long text\n"
    assert sent(models) == [("Some long text", "Summarize this")]


def test_save_with_model_then_override_with_m(models, templates_dir):
    result = invoke("--system", "Summarize this", "--model", "gpt-4", "--save", "summarize")
    assert result.exit_code == 0
    assert (templates_dir / "summarize.yaml").read_text() == (
        "system: Summarize this\nmodel: gpt-4\n"
    )
    # curl -s https://llm.datasette.io/en/latest/ | llm -t summarize -m gpt-3.5-turbo-16k
    result = invoke("-t", "summarize", "-m", "echo-json", input="Docs page")
    body = echoed(result)
    assert (body["prompt"], body["system"]) == ("Docs page", "Summarize this")


def test_save_default_parameters(models, templates_dir):
    result = invoke(
        "--system",
        "Summarize this text in the voice of $voice",
        "--model",
        "gpt-4",
        "-p",
        "voice",
        "GlaDOS",
        "--save",
        "summarize",
    )
    assert result.exit_code == 0
    assert (templates_dir / "summarize.yaml").read_text() == (
        "system: Summarize this text in the voice of $voice\n"
        "model: gpt-4\n"
        "defaults:\n"
        "    voice: GlaDOS\n"
    )
    result = invoke("-t", "summarize", "-m", "mock", input="TEXT")
    assert result.output == "mock: TEXT\n"
    assert sent(models) == [("TEXT", "Summarize this text in the voice of GlaDOS")]


def test_save_extract(models, templates_dir):
    result = invoke("--system", "write a Python function", "--extract", "--save", "python-function")
    assert result.exit_code == 0
    assert (templates_dir / "python-function.yaml").read_text() == (
        "system: write a Python function\nextract: true\n"
    )
    models.mock.enqueue(["Sure:\n```python\ndef reverse(s):\n", "    return s[::-1]\n```\nDone."])
    result = invoke("-t", "python-function", "reverse a string")
    assert result.exit_code == 0
    assert result.output == "def reverse(s):\n    return s[::-1]\n"
    assert sent(models) == [("reverse a string", "write a Python function")]


# --- Listing ----------------------------------------------------------------------------


def test_listing_after_save(models):
    invoke(
        "--system", "reply with macos terminal commands only, no extra information", "--save", "cmd"
    )
    invoke("--system", "You are GlaDOS", "Summarize this: $input", "--save", "glados")
    result = invoke("templates")
    assert result.output == (
        "cmd    : system: reply with macos terminal commands only, no extra information\n"
        "glados : system: You are GlaDOS prompt: Summarize this: $input\n"
    )


# --- Templates as YAML files -------------------------------------------------------------


def test_prompt_key(models, templates_dir):
    write(templates_dir, "summary", "prompt: 'Summarize this: $input'\n")
    result = invoke("-t", "summary", "the input")
    assert result.output == "mock: Summarize this: the input\n"


def test_steampunk_folded(models, templates_dir):
    write(
        templates_dir,
        "steampunk",
        """\
        prompt: >
            Summarize the following text.

            Insert frequent satirical steampunk-themed illustrative anecdotes.
            Really go wild with that.

            Text to summarize: $input
        """,
    )
    result = invoke("-t", "steampunk", "-m", "mock", input="Simon merged an MP3 with slides.")
    assert result.exit_code == 0
    assert sent(models) == [
        (
            (
                "Summarize the following text.\n"
                "Insert frequent satirical steampunk-themed illustrative anecdotes. "
                "Really go wild with that.\n"
                "Text to summarize: Simon merged an MP3 with slides.\n"
            ),
            None,
        )
    ]


def test_steampunk_literal(models, templates_dir):
    write(
        templates_dir,
        "steampunk",
        """\
        prompt: |
            Summarize the following text.

            Insert frequent satirical steampunk-themed illustrative anecdotes.
            Really go wild with that.

            Text to summarize: $input
        """,
    )
    invoke("-t", "steampunk", input="TEXT")
    assert sent(models) == [
        (
            (
                "Summarize the following text.\n\n"
                "Insert frequent satirical steampunk-themed illustrative anecdotes.\n"
                "Really go wild with that.\n\n"
                "Text to summarize: TEXT\n"
            ),
            None,
        )
    ]


def test_system_template(models, templates_dir):
    write(templates_dir, "summarize", "system: Summarize this\n")
    result = invoke("-t", "summarize", input="whole input")
    assert result.output == "mock: whole input\n"
    assert sent(models) == [("whole input", "Summarize this")]


def test_system_and_prompt(models, templates_dir):
    write(
        templates_dir,
        "victorian",
        """\
        system: You speak like an excitable Victorian adventurer
        prompt: 'Summarize this: $input'
        """,
    )
    result = invoke("-t", "victorian", "-m", "echo-json", input="a TIL")
    body = echoed(result)
    assert body["prompt"] == "Summarize this: a TIL"
    assert body["system"] == "You speak like an excitable Victorian adventurer"


def test_recipe_with_params(models, templates_dir):
    write(
        templates_dir,
        "recipe",
        """\
        prompt: |
            Suggest a recipe using ingredients: $ingredients

            It should be based on cuisine from this country: $country
        """,
    )
    result = invoke("-t", "recipe", "-p", "ingredients", "sausages, milk", "-p", "country", "Germany")
    assert result.exit_code == 0
    assert result.output.startswith("mock: Suggest a recipe using ingredients: sausages, milk\n")
    assert sent(models) == [
        (
            (
                "Suggest a recipe using ingredients: sausages, milk\n\n"
                "It should be based on cuisine from this country: Germany\n"
            ),
            None,
        )
    ]


def test_summarize_voice_param(models, templates_dir):
    write(templates_dir, "summarize", "system: Summarize this text in the voice of $voice\n")
    result = invoke("-t", "summarize", "-p", "voice", "GlaDOS", input="iMovie TIL text")
    assert result.output == "mock: iMovie TIL text\n"
    assert sent(models) == [("iMovie TIL text", "Summarize this text in the voice of GlaDOS")]


def test_missing_param_is_an_error(models, templates_dir):
    write(templates_dir, "summarize", "system: Summarize this text in the voice of $voice\n")
    result = invoke("-t", "summarize", input="text")
    assert result.exit_code == 1
    assert result.output == "Error: Missing template parameter: voice\n"
    assert models.mock.history == []


def test_defaults_and_override(models, templates_dir):
    write(
        templates_dir,
        "summarize",
        """\
        system: Summarize this text in the voice of $voice
        defaults:
          voice: GlaDOS
        """,
    )
    invoke("-t", "summarize", input="T1")
    invoke("-t", "summarize", "-p", "voice", "Yoda", input="T2")
    assert sent(models) == [
        ("T1", "Summarize this text in the voice of GlaDOS"),
        ("T2", "Summarize this text in the voice of Yoda"),
    ]


def test_extract_true_in_yaml(models, templates_dir):
    write(templates_dir, "code", "system: write code\nextract: true\n")
    models.mock.enqueue(["text\n```\nfirst\n```\nmore\n```\nsecond\n```\n"])
    result = invoke("-t", "code", "hello")
    assert result.output == "first\n"


def test_extract_last_in_yaml(models, templates_dir):
    write(templates_dir, "code", "system: write code\nextract_last: true\n")
    models.mock.enqueue(["text\n```\nfirst\n```\nmore\n```\nsecond\n```\n"])
    result = invoke("-t", "code", "hello")
    assert result.output == "second\n"


def test_roast_template_model(models, templates_dir):
    write(
        templates_dir,
        "roast",
        """\
        model: echo-json
        system: roast the user at every possible opportunity, be succinct
        """,
    )
    body = echoed(invoke("-t", "roast", "How are you today?"))
    assert body["prompt"] == "How are you today?"
    assert body["system"] == "roast the user at every possible opportunity, be succinct"
    assert models.mock.history == []


def test_roast_as_documented_with_m_override(models, templates_dir):
    write(
        templates_dir,
        "roast",
        """\
        model: gpt-4
        system: roast the user at every possible opportunity, be succinct
        """,
    )
    result = invoke("-t", "roast", "-m", "mock", "How are you today?")
    assert result.output == "mock: How are you today?\n"
    assert sent(models) == [
        ("How are you today?", "roast the user at every possible opportunity, be succinct")
    ]


# --- issue rules beyond the doc examples ------------------------------------------------------


def test_command_line_system_wins(models, templates_dir):
    write(templates_dir, "t", "system: template system\nprompt: 'P: $input'\n")
    invoke("-t", "t", "-s", "command line system", "x")
    assert sent(models) == [("P: x", "command line system")]


def test_template_options_and_command_line_override(models, templates_dir):
    write(templates_dir, "t", "model: echo-json\noptions:\n  temperature: 0.5\n  max_tokens: 10\n")
    body = echoed(invoke("-t", "t", "hi"))
    assert body["options"] == {"temperature": 0.5, "max_tokens": 10}
    body = echoed(invoke("-t", "t", "-o", "temperature", "1.5", "hi"))
    assert body["options"] == {"temperature": 1.5, "max_tokens": 10}


def test_template_attachments(models, templates_dir, tmp_path):
    png = tmp_path / "pixel.png"
    png.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6300010000050001"
            "0d0a2db40000000049454e44ae426082"
        )
    )
    write(templates_dir, "look", f"model: echo-json\nattachments:\n- {png}\n")
    body = echoed(invoke("-t", "look", "describe"))
    assert [a["type"] for a in body["attachments"]] == ["image/png"]


def test_input_appended_when_template_lacks_input(models, templates_dir):
    write(templates_dir, "recipe", "prompt: 'Suggest a recipe using $ingredients'\n")
    invoke("-t", "recipe", "-p", "ingredients", "tofu", "make it vegan")
    assert sent(models) == [("Suggest a recipe using tofu\nmake it vegan", None)]


def test_template_without_input_ignores_stdin(models, templates_dir):
    write(templates_dir, "recipe", "prompt: 'Suggest a recipe using $ingredients'\n")
    invoke("-t", "recipe", "-p", "ingredients", "tofu", input="PIPED TEXT")
    assert sent(models) == [("Suggest a recipe using tofu", None)]


def test_template_without_input_does_not_wait_on_stdin(templates_dir):
    """A real process whose stdin stays open must still finish."""
    write(templates_dir, "recipe", "prompt: 'Suggest a recipe using $ingredients'\n")
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(TESTS_DIR)!r})\n"
        "from support.fixtures import FixturePlugin\n"
        "from llm.plugins import pm\n"
        "pm.register(FixturePlugin(), name='llm-test-fixtures')\n"
        "from llmio_cli.app import cli\n"
        "cli(sys.argv[1:])\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "-t", "recipe", "-p", "ingredients", "tofu", "-m", "mock"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("llm -t recipe waited on standard input")
    finally:
        proc.stdin.close()
    assert proc.stdout.read().decode() == "mock: Suggest a recipe using tofu\n"
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == 0


def test_template_from_path(models, tmp_path):
    path = tmp_path / "roast.yml"
    path.write_text("system: roast the user\n")
    invoke("-t", str(path), "hello")
    assert sent(models) == [("hello", "roast the user")]


def test_template_from_url(models, http_server):
    http_server.routes["/templates/summarize.yaml"] = (
        200,
        b"system: Summarize this text in the voice of $voice\ndefaults:\n  voice: GlaDOS\n",
    )
    result = invoke("-t", f"{http_server.url}/templates/summarize.yaml", input="TEXT")
    assert result.exit_code == 0
    assert sent(models) == [("TEXT", "Summarize this text in the voice of GlaDOS")]
    assert http_server.requests == ["/templates/summarize.yaml"]


def test_template_from_url_404(models, http_server):
    result = invoke("-t", f"{http_server.url}/nope.yaml", "hi")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: Could not fetch template {http_server.url}/nope.yaml: HTTP 404 Not Found\n"
    )


def test_template_from_loader_plugin(models, loader_plugin):
    result = invoke("-t", "fx:greet", "-p", "who", "Simon", "hello")
    assert result.output == "mock: Greet Simon: hello\n"
    assert loader_plugin.calls == [("fx", "greet")]


def test_loader_error(models, loader_plugin):
    result = invoke("-t", "fx:nope", "hi")
    assert result.exit_code == 1
    assert result.output == (
        "Error: Could not load template 'fx:nope': No fixture template called 'nope'\n"
    )


def test_unknown_template(models):
    result = invoke("-t", "nope", "hi")
    assert result.exit_code == 1
    assert result.output == "Error: Unknown template: nope\n"
    assert models.mock.history == []


def test_bad_yaml_template(models, templates_dir):
    write(templates_dir, "bad", "prompt: [oops\n")
    result = invoke("-t", "bad", "hi")
    assert result.exit_code == 1
    assert result.output.startswith("Error: Invalid YAML in template 'bad' at line 2")
    assert models.mock.history == []


def test_unknown_key_template(models, templates_dir):
    write(templates_dir, "typo", "sytem: hi\n")
    result = invoke("-t", "typo", "hi")
    assert result.exit_code == 1
    assert result.output == "Error: Invalid template 'typo': unknown key 'sytem'\n"


# --- --save round trips ---------------------------------------------------------------------


def test_save_options_round_trip(models, templates_dir):
    result = invoke("-m", "echo-json", "-o", "temperature", "0.5", "--save", "warm")
    assert result.exit_code == 0
    assert (templates_dir / "warm.yaml").read_text() == (
        "model: echo-json\noptions:\n    temperature: 0.5\n"
    )
    body = echoed(invoke("-t", "warm", "hi"))
    assert body["options"] == {"temperature": 0.5}


def test_save_extract_last(models, templates_dir):
    invoke("-s", "code", "--xl", "--save", "last")
    assert (templates_dir / "last.yaml").read_text() == "system: code\nextract_last: true\n"


def test_save_multiline_prompt_is_readable(models, templates_dir):
    invoke("line one\nline two: $input", "--save", "multi")
    assert (
        templates_dir / "multi.yaml"
    ).read_text() == "prompt: |-\n    line one\n    line two: $input\n"
    invoke("-t", "multi", "X")
    assert sent(models) == [("line one\nline two: X", None)]


def test_save_attachment_round_trip(models, templates_dir, tmp_path, monkeypatch):
    png = tmp_path / "pixel.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    monkeypatch.chdir(tmp_path)
    result = invoke("-m", "echo-json", "describe", "-a", "pixel.png", "--save", "look")
    assert result.exit_code == 0
    monkeypatch.chdir(templates_dir)
    body = echoed(invoke("-t", "look"))
    assert body["prompt"] == "describe"
    assert [a["type"] for a in body["attachments"]] == ["image/png"]


def test_save_hostile_name(models, user_path):
    result = invoke("hello", "--save", "../escape")
    assert result.exit_code == 1
    assert result.output.startswith("Error: Invalid template name '../escape'")
    assert [p for p in user_path.parent.rglob("*.yaml")] == []


def test_save_with_template_is_refused(models, templates_dir):
    write(templates_dir, "t", "system: x\n")
    result = invoke("-t", "t", "--save", "copy")
    assert result.exit_code == 1
    assert result.output == "Error: --save cannot be used with --template\n"
    assert not (templates_dir / "copy.yaml").exists()


# --- llm chat -t ----------------------------------------------------------------------------


def test_chat_with_template(models, templates_dir):
    # llm --system 'You are a sentient cheesecake' -m gpt-4 --save cheesecake
    invoke("--system", "You are a sentient cheesecake", "-m", "echo-json", "--save", "cheesecake")
    result = invoke("chat", "-t", "cheesecake", input="who are you?\nquit\n")
    assert result.exit_code == 0, result.output
    assert "Chatting with echo-json" in result.output
    line = next(line for line in result.output.splitlines() if '"prompt"' in line)
    body = json.loads(line[line.index("{") :])
    assert body["prompt"] == "who are you?"
    assert body["system"] == "You are a sentient cheesecake"


def test_chat_template_params(models, templates_dir):
    write(templates_dir, "persona", "system: You are $who\nmodel: echo-json\n")
    result = invoke("chat", "-t", "persona", "-p", "who", "a pirate", input="ahoy\nquit\n")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if '"prompt"' in line)
    body = json.loads(line[line.index("{") :])
    assert (body["prompt"], body["system"]) == ("ahoy", "You are a pirate")
