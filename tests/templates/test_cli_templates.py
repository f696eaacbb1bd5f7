"""``llm templates``: list, show, edit, path, loaders."""

from __future__ import annotations

import sys
import textwrap

import pytest
from support.cli import invoke


def write(directory, name, text):
    (directory / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


# --- list ---------------------------------------------------------------------------


def test_list_matches_documented_format(templates_dir):
    write(
        templates_dir,
        "cmd",
        "system: reply with macos terminal commands only, no extra information\n",
    )
    write(templates_dir, "glados", "system: You are GlaDOS\nprompt: 'Summarize this: $input'\n")
    for args in (["templates"], ["templates", "list"]):
        result = invoke(*args)
        assert result.exit_code == 0
        assert result.output == (
            "cmd    : system: reply with macos terminal commands only, no extra information\n"
            "glados : system: You are GlaDOS prompt: Summarize this: $input\n"
        )


def test_list_sorted_newlines_flattened_and_empty_prompt(templates_dir):
    write(templates_dir, "zeta", "prompt: |\n  line one\n  line two $input\n")
    write(templates_dir, "alpha", "model: mock\n")
    write(templates_dir, "plain", "Just a plain prompt\n")
    result = invoke("templates")
    assert result.exit_code == 0
    assert result.output == (
        "alpha : \nplain : Just a plain prompt\nzeta  : line one line two $input\n"
    )


def test_list_empty_directory():
    result = invoke("templates", "list")
    assert result.exit_code == 0
    assert result.output == ""


def test_list_reports_broken_file_and_continues(templates_dir):
    write(templates_dir, "good", "system: fine\n")
    write(templates_dir, "bad", "prompt: [\n")
    write(templates_dir, "typo", "sytem: x\n")
    result = invoke("templates")
    assert result.exit_code == 0
    assert result.stdout == "good : system: fine\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Warning: Invalid YAML in template 'bad' at line 2")
    assert lines[1] == "Warning: Invalid template 'typo': unknown key 'sytem'"


def test_help_lists_subcommands():
    result = invoke("templates", "--help")
    assert result.exit_code == 0
    assert "Manage stored prompt templates" in result.output
    for line in (
        "list*    List available prompt templates",
        "edit     Edit the specified prompt template using the default $EDITOR",
        "loaders  Show template loaders registered by plugins",
        "path     Output the path to the templates directory",
        "show     Show the specified prompt template",
    ):
        assert line in result.output


# --- path ---------------------------------------------------------------------------


def test_path(user_path):
    result = invoke("templates", "path")
    assert result.exit_code == 0
    assert result.output == f"{user_path / 'templates'}\n"
    assert (user_path / "templates").is_dir()


# --- show ---------------------------------------------------------------------------


def test_show(templates_dir):
    write(
        templates_dir,
        "voice",
        """\
        system: Summarize this text in the voice of $voice
        defaults:
          voice: GlaDOS
        """,
    )
    result = invoke("templates", "show", "voice")
    assert result.exit_code == 0
    assert result.output == (
        "system: Summarize this text in the voice of $voice\ndefaults:\n    voice: GlaDOS\n"
    )


def test_show_multiline_prompt(templates_dir):
    write(
        templates_dir,
        "recipe",
        """\
        prompt: |
            Suggest a recipe using ingredients: $ingredients

            It should be based on cuisine from this country: $country
        """,
    )
    result = invoke("templates", "show", "recipe")
    assert result.output == (
        "prompt: |\n"
        "    Suggest a recipe using ingredients: $ingredients\n"
        "\n"
        "    It should be based on cuisine from this country: $country\n"
    )


def test_show_unknown():
    result = invoke("templates", "show", "missing")
    assert result.exit_code == 1
    assert result.output == "Error: Unknown template: missing\n"


def test_show_broken(templates_dir):
    write(templates_dir, "typo", "sytem: x\n")
    result = invoke("templates", "show", "typo")
    assert result.exit_code == 1
    assert result.output == "Error: Invalid template 'typo': unknown key 'sytem'\n"


def test_show_hostile_name(user_path):
    (user_path / "secret.yaml").write_text("prompt: secret\n")
    result = invoke("templates", "show", "../secret")
    assert result.exit_code == 1
    assert "secret\n" not in result.output.split("Error:")[0]
    assert result.output.startswith("Error: Invalid template name '../secret'")


# --- edit ---------------------------------------------------------------------------


@pytest.fixture
def editor(tmp_path, monkeypatch):
    """A scripted $EDITOR: records the file it was given, then writes ``content`` into it."""
    script = tmp_path / "fake_editor.py"
    log = tmp_path / "editor.log"
    content_file = tmp_path / "editor-content"

    script.write_text(
        textwrap.dedent(f"""\
        import sys
        path = sys.argv[-1]
        with open({str(log)!r}, "a", encoding="utf-8") as fp:
            fp.write(path + "\\n" + open(path, encoding="utf-8").read() + "\\n---\\n")
        import os
        if os.path.exists({str(content_file)!r}):
            data = open({str(content_file)!r}, encoding="utf-8").read()
            with open(path, "w", encoding="utf-8") as fp:
                fp.write(data)
        sys.exit(int(os.environ.get("FAKE_EDITOR_EXIT", "0")))
        """)
    )
    monkeypatch.setenv("EDITOR", f'"{sys.executable}" "{script}"')
    monkeypatch.delenv("VISUAL", raising=False)

    class Editor:
        def will_write(self, text):
            content_file.write_text(text, encoding="utf-8")

        @property
        def log(self):
            return log.read_text(encoding="utf-8") if log.exists() else ""

    return Editor()


def test_edit_creates_file_and_opens_editor(editor, templates_dir):
    editor.will_write("prompt: |\n    Suggest a recipe using ingredients: $ingredients\n")
    result = invoke("templates", "edit", "recipe")
    assert result.exit_code == 0, result.output
    path = templates_dir / "recipe.yaml"
    # the editor was handed the new file, pre-filled with a starter template
    assert editor.log == f"{path}\nprompt: \n\n---\n"
    assert path.read_text() == "prompt: |\n    Suggest a recipe using ingredients: $ingredients\n"
    assert invoke("templates").output == "recipe : Suggest a recipe using ingredients: $ingredients\n"


def test_edit_existing_file(editor, templates_dir):
    write(templates_dir, "summarize", "system: Summarize this\n")
    editor.will_write("system: Summarize this in French\n")
    result = invoke("templates", "edit", "summarize")
    assert result.exit_code == 0
    assert editor.log == f"{templates_dir / 'summarize.yaml'}\nsystem: Summarize this\n\n---\n"
    assert (templates_dir / "summarize.yaml").read_text() == "system: Summarize this in French\n"


def test_edit_leaving_invalid_yaml_is_reported(editor, templates_dir):
    editor.will_write("prompt: [oops\n")
    result = invoke("templates", "edit", "broken")
    assert result.exit_code == 1
    assert result.output.startswith("Error: Invalid YAML in template 'broken' at line 2")
    assert result.output.endswith(
        "(the file was saved: run 'llm templates edit broken' to fix it)\n"
    )
    assert (templates_dir / "broken.yaml").read_text() == "prompt: [oops\n"


def test_edit_unknown_key_is_reported(editor, templates_dir):
    editor.will_write("promt: typo\n")
    result = invoke("templates", "edit", "typo")
    assert result.exit_code == 1
    assert result.output.startswith("Error: Invalid template 'typo': unknown key 'promt'")


def test_edit_failing_editor_removes_new_untouched_file(editor, templates_dir, monkeypatch):
    monkeypatch.setenv("FAKE_EDITOR_EXIT", "3")
    result = invoke("templates", "edit", "never")
    assert result.exit_code == 1
    assert "Editing failed" in result.output
    assert not (templates_dir / "never.yaml").exists()


@pytest.mark.parametrize("name", ["../evil", "a/b", ".hidden", "C:x"])
def test_edit_hostile_name(editor, name, user_path):
    result = invoke("templates", "edit", name)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: Invalid template name '{name}'")
    assert editor.log == ""
    assert [p for p in user_path.parent.rglob("*.yaml")] == []


# --- loaders -------------------------------------------------------------------------


def test_loaders_none():
    result = invoke("templates", "loaders")
    assert result.exit_code == 0
    assert result.output == "No template loaders found\n"


def test_loaders_lists_plugin_loaders(loader_plugin):
    result = invoke("templates", "loaders")
    assert result.exit_code == 0
    assert result.output == (
        "fx:\n"
        "  Load a fixture template by name.\n"
        "\n"
        "  Names: greet, named.\n"
        "broken:\n"
        "  Undocumented\n"
    )
