"""``llm chat`` driven through standard input."""

from __future__ import annotations

import json
import textwrap

import click
import llm
import pytest
from support.cli import invoke, logged

INTRO = (
    "Type 'exit' or 'quit' to exit\n"
    "Type '!multi' to enter multiple lines, then '!end' to finish\n"
    "Type '!edit' to open your default editor and modify the prompt\n"
)


def chat(args, input, **kwargs):
    return invoke("chat", *args, input=input, **kwargs)


def test_transcript_and_logging(fixtures, user_path):
    result = chat(["-m", "mock"], "hello\nhow are you?\nquit\n")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Chatting with mock\n"
        + INTRO
        + "> hello\nmock: hello\n"
        + "> how are you?\nmock: how are you?\n"
        + "> quit\n"
    )
    rows = logged(user_path)
    assert [(r["prompt"], r["response"]) for r in rows] == [
        ("hello", "mock: hello"),
        ("how are you?", "mock: how are you?"),
    ]
    assert rows[0]["conversation_id"] == rows[1]["conversation_id"]
    # The second turn saw the first as history.
    conversation = fixtures.mock.history[1][3]
    assert [r.prompt.prompt for r in conversation.responses] == ["hello", "how are you?"]


def test_exit_and_end_of_input(fixtures, user_path):
    result = chat(["-m", "mock"], "one\nexit\nnever sent\n")
    assert result.exit_code == 0
    assert [r["prompt"] for r in logged(user_path)] == ["one"]
    result = chat(["-m", "mock"], "two\n")
    assert result.exit_code == 0
    assert result.output == "Chatting with mock\n" + INTRO + "> two\nmock: two\n> \n"
    assert [r["prompt"] for r in logged(user_path)] == ["one", "two"]


def test_blank_lines_are_skipped(fixtures, user_path):
    chat(["-m", "mock"], "\n   \nhi\nquit\n")
    assert [r["prompt"] for r in logged(user_path)] == ["hi"]


def test_multi_line_input(fixtures, user_path):
    result = chat(["-m", "mock"], "!multi\nline one\n\nline three\n!end\nquit\n")
    assert result.exit_code == 0
    assert [r["prompt"] for r in logged(user_path)] == ["line one\n\nline three"]
    assert "mock: line one\n\nline three\n" in result.output


def test_multi_with_custom_delimiter(fixtures, user_path):
    text = "!multi custom-end\nExplain this error:\n!end\n  File x\n!end custom-end\nquit\n"
    result = chat(["-m", "mock"], text)
    assert result.exit_code == 0
    assert [r["prompt"] for r in logged(user_path)] == ["Explain this error:\n!end\n  File x"]


def test_edit_opens_editor(fixtures, user_path, monkeypatch):
    calls = []

    def fake_edit(text=None, **kwargs):
        calls.append(text)
        return "written in the editor\n"

    monkeypatch.setattr(click, "edit", fake_edit)
    result = chat(["-m", "mock"], "!edit\nquit\n")
    assert result.exit_code == 0
    assert calls == [""]
    assert "> !edit\nwritten in the editor\nmock: written in the editor\n" in result.output
    assert [r["prompt"] for r in logged(user_path)] == ["written in the editor"]


def test_edit_closed_without_saving(fixtures, user_path, monkeypatch):
    monkeypatch.setattr(click, "edit", lambda text=None, **kwargs: None)
    result = chat(["-m", "mock"], "!edit\nafter\nquit\n")
    assert result.exit_code == 0
    assert "Editor closed without saving.\n" in result.stderr
    assert [r["prompt"] for r in logged(user_path)] == ["after"]


def test_system_prompt_sent_with_first_message_only(fixtures, user_path):
    result = chat(["-m", "echo-json", "-s", "be a cheesecake"], "one\ntwo\nquit\n")
    assert result.exit_code == 0
    replies = [line for line in result.stdout.splitlines() if line.startswith("{")]
    first, second = (json.loads(r) for r in replies)
    assert first["system"] == "be a cheesecake" and first["history"] == []
    assert not second["system"]
    assert second["history"][0]["system"] == "be a cheesecake"
    assert [r["system"] for r in logged(user_path)] == ["be a cheesecake", None]


def test_options(fixtures, user_path):
    result = chat(["-m", "echo-json", "-o", "temperature", "0.7"], "hi\nquit\n")
    reply = next(line for line in result.stdout.splitlines() if line.startswith("{"))
    assert json.loads(reply)["options"] == {"temperature": 0.7}
    assert json.loads(logged(user_path)[0]["options_json"]) == {"temperature": 0.7}


def test_bad_option_fails_before_chatting(fixtures, user_path):
    result = chat(["-m", "mock", "-o", "temperature", "hot"], "hi\nquit\n")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: temperature: Input should be a valid number")


def test_unknown_model(fixtures):
    result = chat(["-m", "nope"], "hi\n")
    assert result.exit_code == 1
    assert result.stderr == "Error: Unknown model: nope\n"


def test_template_missing_parameter_fails_before_chatting(fixtures, user_path):
    (user_path / "templates").mkdir(exist_ok=True)
    (user_path / "templates" / "persona.yaml").write_text("model: mock\nsystem: You are $who\n")
    result = chat(["-t", "persona"], "hi\nquit\n")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: Missing template parameter: who\n"


def test_no_stream(fixtures):
    chat(["-m", "mock"], "a\nquit\n")
    chat(["-m", "mock", "--no-stream"], "b\nquit\n")
    assert [h[1] for h in fixtures.mock.history] == [True, False]


def test_key(fixtures, user_path):
    result = chat(["-m", "keyed", "--key", "sk-chat"], "hi\nquit\n")
    assert "> hi\nkey=sk-chat\n" in result.output
    result = chat(["-m", "keyed"], "hi\nquit\n")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: No key found - add one using 'llm keys set keyed' "
        "or set the KEYED_API_KEY environment variable\n"
    )


def test_continue_latest_conversation_uses_its_model(fixtures, user_path):
    invoke("-m", "echo-json", "from prompt")
    result = chat(["-c"], "from chat\nquit\n")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Chatting with echo-json\n")
    reply = next(line for line in result.stdout.splitlines() if line.startswith("{"))
    assert [h["prompt"] for h in json.loads(reply)["history"]] == ["from prompt"]
    rows = logged(user_path)
    assert len({r["conversation_id"] for r in rows}) == 1


def test_cid(fixtures, user_path):
    invoke("-m", "mock", "first conversation")
    invoke("-m", "echo-json", "second conversation")
    cid = logged(user_path)[0]["conversation_id"]
    result = chat(["--cid", cid], "more\nquit\n")
    assert result.output.startswith("Chatting with mock\n")
    assert [r["conversation_id"] for r in logged(user_path)][-1] == cid
    result = chat(["--conversation", "01missing"], "x\n")
    assert result.exit_code == 1
    assert result.stderr == "Error: No conversation found with id=01missing\n"


def test_template(fixtures, user_path):
    directory = user_path / "templates"
    directory.mkdir(exist_ok=True)
    (directory / "cheesecake.yaml").write_text(
        textwrap.dedent(
            """\
            model: echo-json
            system: You are a sentient $dessert
            defaults:
              dessert: cheesecake
            options:
              max_tokens: 20
            """
        )
    )
    result = chat(["-t", "cheesecake", "-p", "dessert", "tiramisu"], "who are you?\nquit\n")
    assert result.output.startswith("Chatting with echo-json\n")
    reply = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    assert reply["system"] == "You are a sentient tiramisu"
    assert reply["prompt"] == "who are you?"
    assert reply["options"] == {"max_tokens": 20}
    # -m and -s win over the template.
    result = chat(["-t", "cheesecake", "-m", "mock", "-s", "plain"], "x\nquit\n")
    assert result.output.startswith("Chatting with mock\n")
    assert fixtures.mock.history[-1][0].system == "plain"


def test_logs_off(fixtures, user_path):
    (user_path / "logs-off").write_text("")
    result = chat(["-m", "mock"], "hi\nquit\n")
    assert result.exit_code == 0
    assert not (user_path / "logs.db").exists()


def test_failed_turn_does_not_end_the_chat(fixtures, user_path):
    seen_history = []

    class Flaky(llm.Model):
        model_id = "flaky"
        calls = 0

        def execute(self, prompt, stream, response, conversation):
            seen_history.append(
                [r.prompt.prompt for r in conversation.responses if r is not response]
            )
            Flaky.calls += 1
            if Flaky.calls == 1:
                raise llm.ModelError("Server overloaded")
            if Flaky.calls == 2:
                raise RuntimeError("connection reset\nby peer")
            yield "recovered"

    class Plugin:
        __name__ = "flaky-plugin"

        @llm.hookimpl
        def register_models(self, register):
            register(Flaky())

    llm.plugins.pm.register(Plugin(), name="flaky-plugin")
    try:
        result = chat(["-m", "flaky"], "one\nboom\ntwo\nquit\n")
    finally:
        llm.plugins.pm.unregister(name="flaky-plugin")
    assert result.exit_code == 0
    assert result.stderr == "Error: Server overloaded\nError: connection reset by peer\n"
    assert "> two\nrecovered\n" in result.output
    assert [r["prompt"] for r in logged(user_path)] == ["two"]
    # The failed turn is not sent as history with the next one.
    assert seen_history == [[], [], []]


class _Interrupting(llm.Model):
    model_id = "interrupting-chat"
    can_stream = True

    def __init__(self):
        self.calls = 0

    def execute(self, prompt, stream, response, conversation):
        self.calls += 1
        yield "partial"
        if self.calls == 1:
            raise KeyboardInterrupt
        yield " and complete"


@pytest.fixture
def interrupting():
    class Plugin:
        __name__ = "interrupt-chat"

        @llm.hookimpl
        def register_models(self, register):
            register(_Interrupting())

    llm.plugins.pm.register(Plugin(), name="interrupt-chat")
    yield
    llm.plugins.pm.unregister(name="interrupt-chat")


def test_ctrl_c_stops_the_response_and_chat_goes_on(interrupting, user_path):
    result = chat(["-m", "interrupting-chat"], "first\nsecond\nquit\n")
    assert result.exit_code == 0
    assert result.stdout.endswith("> first\npartial\n> second\npartial and complete\n> quit\n")
    assert result.stderr == "(response interrupted)\n"
    rows = logged(user_path)
    assert [(r["prompt"], r["response"]) for r in rows] == [
        ("first", "partial"),
        ("second", "partial and complete"),
    ]
    assert rows[0]["conversation_id"] == rows[1]["conversation_id"]


def test_terminal_uses_input_with_readline(fixtures, user_path, monkeypatch):
    import sys

    import llmio_cli.prompting

    monkeypatch.setattr(llmio_cli.prompting, "stdin_is_tty", lambda: True)
    result = chat(["-m", "mock"], "hello\nquit\n")
    assert result.exit_code == 0
    # input() shows the prompt; the terminal itself echoes what is typed.
    assert result.output == "Chatting with mock\n" + INTRO + "> mock: hello\n> "
    assert "readline" in sys.modules
    assert [r["prompt"] for r in logged(user_path)] == ["hello"]
