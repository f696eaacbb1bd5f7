"""``llm prompt -t`` / ``-p`` / ``--save`` (templates.md)."""

from __future__ import annotations

import json
import textwrap

import llmio_templates
import pytest
from support.cli import invoke, logged


def write_template(user_path, name, yaml_text):
    directory = user_path / "templates"
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.yaml").write_text(textwrap.dedent(yaml_text))


# --- --save ---------------------------------------------------------------------


def test_save_prompt_template_does_not_run(fixtures, user_path):
    result = invoke(["Summarize this: $input", "--save", "summarize"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert fixtures.mock.history == []
    assert not (user_path / "logs.db").exists()
    template = llmio_templates.load_template("summarize")
    assert template.to_dict() == {"prompt": "Summarize this: $input"}


def test_save_everything(fixtures, user_path, tmp_path):
    (tmp_path / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    result = invoke(
        [
            "--system",
            "Summarize this text in the voice of $voice",
            "-m",
            "mock",
            "-p",
            "voice",
            "GlaDOS",
            "-o",
            "temperature",
            "0.5",
            "-x",
            "-a",
            str(tmp_path / "pic.png"),
            "--at",
            "https://example.com/a",
            "image/jpeg",
            "--save",
            "summarize",
        ]
    )
    assert result.exit_code == 0, result.output
    template = llmio_templates.load_template("summarize")
    assert template.to_dict() == {
        "system": "Summarize this text in the voice of $voice",
        "model": "mock",
        "defaults": {"voice": "GlaDOS"},
        "options": {"temperature": 0.5},
        "extract": True,
        "attachments": [str(tmp_path / "pic.png")],
        "attachment_types": [{"type": "image/jpeg", "value": "https://example.com/a"}],
    }


def test_save_extract_last(fixtures, user_path):
    invoke(["--system", "write a function", "--xl", "--save", "fn"])
    assert llmio_templates.load_template("fn").to_dict() == {
        "system": "write a function",
        "extract_last": True,
    }


def test_save_validates_options(fixtures, user_path):
    result = invoke(["hi", "-m", "mock", "-o", "temperature", "9", "--save", "hot"])
    assert result.exit_code == 1
    assert result.stderr == "Error: temperature: Input should be less than or equal to 2\n"
    assert not (user_path / "templates" / "hot.yaml").exists()


@pytest.mark.parametrize(
    "extra, named",
    [
        (["-t", "other"], "--template"),
        (["-c"], "--continue"),
        (["--cid", "01abc"], "--cid"),
    ],
)
def test_save_refuses_conflicting_options(fixtures, extra, named):
    result = invoke(["hi", "--save", "x", *extra])
    assert result.exit_code == 1
    assert result.stderr == f"Error: --save cannot be used with {named}\n"


def test_save_bad_name(fixtures):
    result = invoke(["hi", "--save", "../escape"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Invalid template name '../escape'")


# --- -t / -p ---------------------------------------------------------------------


def test_template_with_input_from_stdin(fixtures, user_path):
    write_template(user_path, "summarize", "prompt: 'Summarize this: $input'\nmodel: echo-json\n")
    result = invoke(["-t", "summarize"], input="a long text")
    sent = json.loads(result.output)
    assert sent["prompt"] == "Summarize this: a long text"
    assert logged(user_path)[0]["prompt"] == "Summarize this: a long text"


def test_template_input_combines_stdin_and_argument(fixtures, user_path):
    write_template(user_path, "t", "prompt: 'Input: $input'\nmodel: echo-json\n")
    sent = json.loads(invoke(["-t", "t", "and this"], input="piped").output)
    assert sent["prompt"] == "Input: piped and this"


def test_system_only_template_uses_input_as_prompt(fixtures, user_path):
    write_template(user_path, "sys", "system: Summarize this\nmodel: echo-json\n")
    sent = json.loads(invoke(["-t", "sys"], input="the text").output)
    assert (sent["system"], sent["prompt"]) == ("Summarize this", "the text")


def test_template_without_input_does_not_read_stdin(fixtures, user_path):
    write_template(user_path, "fixed", "prompt: Tell me a joke\nmodel: echo-json\n")
    sent = json.loads(invoke(["-t", "fixed"], input="this must not be read").output)
    assert sent["prompt"] == "Tell me a joke"


def test_params_and_defaults(fixtures, user_path):
    write_template(
        user_path,
        "recipe",
        """\
        model: echo-json
        system: Speak like $voice
        prompt: 'Recipe with $ingredients from $country'
        defaults:
          voice: a pirate
          country: France
        """,
    )
    sent = json.loads(invoke(["-t", "recipe", "-p", "ingredients", "eggs"]).output)
    assert sent["prompt"] == "Recipe with eggs from France"
    assert sent["system"] == "Speak like a pirate"
    sent = json.loads(
        invoke(
            [
                "-t",
                "recipe",
                "-p",
                "ingredients",
                "sausages, milk",
                "-p",
                "country",
                "Germany",
                "-p",
                "voice",
                "Yoda",
            ]
        ).output
    )
    assert sent["prompt"] == "Recipe with sausages, milk from Germany"
    assert sent["system"] == "Speak like Yoda"


def test_missing_param(fixtures, user_path):
    write_template(user_path, "recipe", "prompt: 'Recipe with $ingredients'\nmodel: mock\n")
    result = invoke(["-t", "recipe"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Missing template parameter: ingredients\n"


def test_command_line_wins_over_template(fixtures, user_path):
    write_template(
        user_path,
        "t",
        """\
        model: mock
        system: template system
        prompt: 'Do: $input'
        options:
          temperature: 0.1
          max_tokens: 5
        """,
    )
    # Template model: mock.
    assert invoke(["-t", "t", "x"]).output == "mock: Do: x\n"
    result = invoke(
        ["-t", "t", "-m", "echo-json", "-s", "cli system", "-o", "temperature", "1.5", "x"]
    )
    sent = json.loads(result.output)
    assert sent["system"] == "cli system"
    assert sent["prompt"] == "Do: x"
    assert sent["options"] == {"temperature": 1.5, "max_tokens": 5}


def test_template_extract(fixtures, user_path):
    write_template(user_path, "code", "system: write code\nextract: true\nmodel: mock\n")
    fixtures.mock.enqueue(["Sure:\n```python\nprint('hi')\n```\nbye"])
    assert invoke(["-t", "code", "say hi"]).output == "print('hi')\n"
    write_template(user_path, "code2", "system: write code\nextract_last: true\nmodel: mock\n")
    fixtures.mock.enqueue(["```\none\n```\n```\ntwo\n```"])
    assert invoke(["-t", "code2", "x"]).output == "two\n"


def test_template_attachments(fixtures, user_path, tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
    (tmp_path / "pic.png").write_bytes(png)
    write_template(
        user_path,
        "look",
        f"model: echo-json\nprompt: describe\nattachments:\n- {tmp_path / 'pic.png'}\n",
    )
    sent = json.loads(invoke(["-t", "look"]).output)
    assert [a["type"] for a in sent["attachments"]] == ["image/png"]


def test_saved_template_round_trip(fixtures, user_path):
    invoke(["--system", "Reply in French", "-m", "echo-json", "--save", "fr"])
    sent = json.loads(invoke(["-t", "fr", "hello"]).output)
    assert (sent["system"], sent["prompt"]) == ("Reply in French", "hello")


def test_unknown_template(fixtures):
    result = invoke(["-t", "does-not-exist", "hi"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Unknown template: does-not-exist\n"


def test_malformed_template(fixtures, user_path):
    write_template(user_path, "bad", "prompt: [unclosed\n")
    result = invoke(["-t", "bad", "hi"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Invalid YAML in template 'bad' at line 2")
    assert result.stderr.count("\n") == 1


def test_template_schema_is_passed_to_the_model(fixtures, user_path):
    # The fixture models do not support schemas, so the core refuses the prompt:
    # proof that the template's schema reached it.
    write_template(
        user_path,
        "dog",
        """\
        model: mock
        prompt: invent a dog
        schema_object:
          type: object
          properties:
            name:
              type: string
        """,
    )
    result = invoke(["-t", "dog"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Model mock does not support schemas\n"
    assert fixtures.mock.history == []
