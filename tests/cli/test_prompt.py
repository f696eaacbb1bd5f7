"""``llm prompt`` (the default command): models, input, options, output, logging."""

from __future__ import annotations

import json
import re
from pathlib import Path

import llm
import pytest
from support.cli import invoke, rows



def responses(user_path):
    return rows(user_path, "select * from responses order by rowid")


def echoed(result):
    """The JSON the echo-json fixture model replied with."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- running a prompt -------------------------------------------------------


def test_prompt_is_the_default_command(fixtures, user_path):
    result = invoke(["-m", "mock", "hello world"])
    assert result.exit_code == 0, result.output
    assert result.output == "mock: hello world\n"
    explicit = invoke(["prompt", "-m", "mock", "hello again"])
    assert explicit.output == "mock: hello again\n"
    assert [r["prompt"] for r in responses(user_path)] == ["hello world", "hello again"]


def test_logged_row_and_conversation(fixtures, user_path):
    fixtures.mock.enqueue(["one ", "two"])
    result = invoke(["-m", "mock", "count to two", "-o", "max_tokens", "7"])
    assert result.output == "one two\n"
    [row] = responses(user_path)
    assert row["model"] == "mock"
    assert row["prompt"] == "count to two"
    assert row["system"] is None
    assert row["response"] == "one two"
    assert json.loads(row["options_json"]) == {"max_tokens": 7}
    assert row["input_tokens"] == 3 and row["output_tokens"] == 2
    assert re.fullmatch(r"[0-9a-z]{26}", row["id"])
    assert row["datetime_utc"].startswith("20")
    assert isinstance(row["duration_ms"], int)
    [conversation] = rows(user_path, "select * from conversations")
    assert conversation == {"id": row["conversation_id"], "name": "count to two", "model": "mock"}


def test_alias_and_default_model(fixtures, user_path):
    assert invoke(["-m", "mock-alias", "via alias"]).output == "mock: via alias\n"
    llm.set_default_model("mock")
    assert invoke(["no model given"]).output == "mock: no model given\n"
    assert [r["model"] for r in responses(user_path)] == ["mock", "mock"]


def test_llm_model_environment_variable(fixtures, monkeypatch):
    monkeypatch.setenv("LLM_MODEL", "mock")
    assert invoke(["from env"]).output == "mock: from env\n"


def test_query_picks_first_matching_model(fixtures, user_path):
    result = invoke(["-q", "echo", "hi"])
    assert echoed(result)["prompt"] == "hi"
    assert responses(user_path)[0]["model"] == "echo-json"
    assert invoke(["-q", "ec", "-q", "json", "x"]).exit_code == 0
    missing = invoke(["-q", "nothing-like-this", "hi"])
    assert missing.exit_code == 1
    assert missing.stderr == "Error: No model found matching: 'nothing-like-this'\n"


def test_system_prompt(fixtures, user_path):
    result = invoke(["-m", "echo-json", "hi", "-s", "be brief"])
    assert echoed(result)["system"] == "be brief"
    assert responses(user_path)[0]["system"] == "be brief"


# --- standard input ------------------------------------------------------------


def test_stdin_alone_is_the_prompt(fixtures):
    result = invoke(["-m", "echo-json"], input="piped text\n")
    assert echoed(result)["prompt"] == "piped text\n"


def test_stdin_then_space_then_argument(fixtures, user_path):
    result = invoke(["-m", "echo-json", "explain this code"], input="print(1)\n")
    assert echoed(result)["prompt"] == "print(1)\n explain this code"
    assert responses(user_path)[0]["prompt"] == "print(1)\n explain this code"


def test_empty_stdin_uses_argument_only(fixtures):
    assert echoed(invoke(["-m", "echo-json", "just this"], input=""))["prompt"] == "just this"


# --- options -------------------------------------------------------------------


def test_options_are_validated_and_sent(fixtures, user_path):
    result = invoke(["-m", "echo-json", "hi", "-o", "temperature", "0.5", "-o", "max_tokens", "10"])
    assert echoed(result)["options"] == {"temperature": 0.5, "max_tokens": 10}
    assert json.loads(responses(user_path)[0]["options_json"]) == {
        "temperature": 0.5,
        "max_tokens": 10,
    }


def test_bad_option_value_names_the_option(fixtures, user_path):
    result = invoke(["-m", "mock", "hi", "-o", "temperature", "5"])
    assert result.exit_code == 1
    assert result.stderr == "Error: temperature: Input should be less than or equal to 2\n"
    result = invoke(["-m", "mock", "hi", "-o", "max_tokens", "lots"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: max_tokens: Input should be a valid integer")
    assert fixtures.mock.history == []
    assert not (user_path / "logs.db").exists()


def test_unknown_option_names_the_option(fixtures):
    result = invoke(["-m", "mock", "hi", "-o", "nonsense", "1"])
    assert result.exit_code == 1
    assert result.stderr == "Error: nonsense: not a valid option for this model\n"


# --- errors --------------------------------------------------------------------


def test_unknown_model(fixtures, user_path):
    result = invoke(["-m", "no-such-model", "hi"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Unknown model: no-such-model\n"
    assert result.stdout == ""


def test_missing_key_says_how_to_set_it(fixtures, user_path):
    result = invoke(["-m", "keyed", "hi"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: No key found - add one using 'llm keys set keyed' "
        "or set the KEYED_API_KEY environment variable\n"
    )
    assert not (user_path / "logs.db").exists() or responses(user_path) == []


def test_key_option_env_var_and_stored_key(fixtures, monkeypatch):
    assert invoke(["-m", "keyed", "hi", "--key", "sk-literal"]).output == "key=sk-literal\n"
    llm.set_key("work", "sk-stored")
    assert invoke(["-m", "keyed", "hi", "--key", "work"]).output == "key=sk-stored\n"
    llm.set_key("keyed", "sk-default")
    assert invoke(["-m", "keyed", "hi"]).output == "key=sk-default\n"
    monkeypatch.setenv("KEYED_API_KEY", "sk-env")
    (Path(llm.keys_path())).unlink()
    assert invoke(["-m", "keyed", "hi"]).output == "key=sk-env\n"


def test_model_error_is_one_line(fixtures, user_path):
    class Broken(llm.Model):
        model_id = "broken"

        def execute(self, prompt, stream, response, conversation):
            raise llm.ModelError("Rate limit exceeded\nplease wait")
            yield ""

    class Plugin:
        __name__ = "broken-plugin"

        @llm.hookimpl
        def register_models(self, register):
            register(Broken())

    llm.plugins.pm.register(Plugin(), name="broken-plugin")
    try:
        result = invoke(["-m", "broken", "hi"])
    finally:
        llm.plugins.pm.unregister(name="broken-plugin")
    assert result.exit_code == 1
    assert result.stderr == "Error: Rate limit exceeded please wait\n"
    assert not (user_path / "logs.db").exists() or responses(user_path) == []


def test_log_and_no_log_together_is_an_error(fixtures):
    result = invoke(["-m", "mock", "hi", "--log", "-n"])
    assert result.exit_code == 1
    assert result.stderr == "Error: --log and --no-log cannot be used together\n"


# --- streaming -----------------------------------------------------------------


def test_streams_by_default_and_no_stream(fixtures):
    fixtures.mock.enqueue(["a", "b", "c"])
    assert invoke(["-m", "mock", "x"]).output == "abc\n"
    assert fixtures.mock.history[-1][1] is True
    fixtures.mock.enqueue(["a", "b", "c"])
    assert invoke(["-m", "mock", "x", "--no-stream"]).output == "abc\n"
    assert fixtures.mock.history[-1][1] is False


class _InterruptingModel(llm.Model):
    model_id = "interrupting"
    can_stream = True

    def execute(self, prompt, stream, response, conversation):
        yield "partial "
        yield "answer"
        raise KeyboardInterrupt


class _AsyncInterruptingModel(llm.AsyncModel):
    model_id = "interrupting"
    can_stream = True

    async def execute(self, prompt, stream, response, conversation):
        yield "async partial"
        raise KeyboardInterrupt


class _InterruptPlugin:
    __name__ = "interrupt-plugin"

    @llm.hookimpl
    def register_models(self, register):
        register(_InterruptingModel(), _AsyncInterruptingModel())


@pytest.fixture
def interrupting():
    llm.plugins.pm.register(_InterruptPlugin(), name="interrupt-plugin")
    yield
    llm.plugins.pm.unregister(name="interrupt-plugin")


def test_ctrl_c_logs_what_arrived_and_exits_130(interrupting, user_path):
    result = invoke(["-m", "interrupting", "tell me"])
    assert result.exit_code == 130
    assert result.stdout == "partial answer\n"
    [row] = responses(user_path)
    assert row["prompt"] == "tell me"
    assert row["response"] == "partial answer"


def test_ctrl_c_async(interrupting, user_path):
    result = invoke(["-m", "interrupting", "tell me", "--async"])
    assert result.exit_code == 130
    assert result.stdout == "async partial\n"
    assert [r["response"] for r in responses(user_path)] == ["async partial"]


def test_ctrl_c_with_no_log_logs_nothing(interrupting, user_path):
    result = invoke(["-m", "interrupting", "tell me", "-n"])
    assert result.exit_code == 130
    assert not (user_path / "logs.db").exists()


# --- logging switches ----------------------------------------------------------


def test_no_log(fixtures, user_path):
    assert invoke(["-m", "mock", "secret", "-n"]).output == "mock: secret\n"
    assert invoke(["-m", "mock", "secret", "--no-log"]).output == "mock: secret\n"
    assert not (user_path / "logs.db").exists()


def test_logs_off_file_and_log_flag(fixtures, user_path):
    (user_path / "logs-off").write_text("")
    assert invoke(["-m", "mock", "not logged"]).output == "mock: not logged\n"
    assert not (user_path / "logs.db").exists()
    assert invoke(["-m", "mock", "logged anyway", "--log"]).output == "mock: logged anyway\n"
    assert [r["prompt"] for r in responses(user_path)] == ["logged anyway"]


# --- usage and extraction -------------------------------------------------------


def test_usage_goes_to_stderr(fixtures):
    fixtures.mock.enqueue(["x", "y"])
    result = invoke(["-m", "mock", "three word prompt", "-u"])
    assert result.stdout == "xy\n"
    assert result.stderr == "Token usage: 3 input, 2 output\n"


def test_usage_with_details(fixtures):
    class Detailed(llm.Model):
        model_id = "detailed"

        def execute(self, prompt, stream, response, conversation):
            response.set_usage(input=5, output=2, details={"cached": 3, "zero": 0})
            yield "ok"

    class Plugin:
        __name__ = "detailed-plugin"

        @llm.hookimpl
        def register_models(self, register):
            register(Detailed())

    llm.plugins.pm.register(Plugin(), name="detailed-plugin")
    try:
        result = invoke(["-m", "detailed", "hi", "--usage"])
    finally:
        llm.plugins.pm.unregister(name="detailed-plugin")
    assert result.stderr == 'Token usage: 5 input, 2 output, {"cached": 3}\n'


REPLY_WITH_CODE = (
    "Here you go:\n\n```python\ndef first():\n    return 1\n```\n\n"
    "And another:\n\n```\nsecond()\n```\nDone."
)


def test_extract_first_and_last(fixtures, user_path):
    fixtures.mock.enqueue([REPLY_WITH_CODE[:20], REPLY_WITH_CODE[20:]])
    result = invoke(["-m", "mock", "code please", "-x"])
    assert result.output == "def first():\n    return 1\n"
    fixtures.mock.enqueue([REPLY_WITH_CODE])
    result = invoke(["-m", "mock", "code please", "--xl"])
    assert result.output == "second()\n"
    # The whole reply is still logged.
    assert [r["response"] for r in responses(user_path)] == [REPLY_WITH_CODE] * 2


def test_extract_without_code_block_prints_everything(fixtures):
    fixtures.mock.enqueue(["no code here"])
    assert invoke(["-m", "mock", "x", "--extract"]).output == "no code here\n"


# --- async --------------------------------------------------------------------


def test_async(fixtures, user_path):
    fixtures.async_mock.enqueue(["as", "ync"])
    result = invoke(["-m", "mock", "hi there", "--async", "-u"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "async\n"
    assert result.stderr == "Token usage: 2 input, 2 output\n"
    assert len(fixtures.async_mock.history) == 1 and fixtures.mock.history == []
    [row] = responses(user_path)
    assert (row["model"], row["prompt"], row["response"]) == ("mock", "hi there", "async")


def test_async_continue(fixtures, user_path):
    invoke(["-m", "mock", "first"])
    fixtures.async_mock.enqueue(["second reply"])
    result = invoke(["-c", "second", "--async", "--no-stream"])
    assert result.output == "second reply\n"
    [(_prompt, _stream, _response, conversation)] = fixtures.async_mock.history
    assert next(r.prompt.prompt for r in conversation.responses) == "first"
    ids = {r["conversation_id"] for r in responses(user_path)}
    assert len(ids) == 1


def test_async_unsupported_model(fixtures):
    result = invoke(["-m", "echo-json", "hi", "--async"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Model 'echo-json' does not support async prompts\n"


# --- help ------------------------------------------------------------------------


def test_terminal_stdin_is_not_read_when_a_prompt_is_given(fixtures, monkeypatch):
    import llmio_cli.prompting

    monkeypatch.setattr(llmio_cli.prompting, "stdin_is_tty", lambda: True)
    result = invoke(["-m", "echo-json", "the argument"], input="typed at the terminal")
    assert echoed(result)["prompt"] == "the argument"


def test_terminal_without_prompt_reads_what_is_typed(fixtures, monkeypatch):
    import llmio_cli.prompting

    monkeypatch.setattr(llmio_cli.prompting, "stdin_is_tty", lambda: True)
    result = invoke(["-m", "echo-json"], input="typed, then Ctrl-D\n")
    assert echoed(result)["prompt"] == "typed, then Ctrl-D\n"


def test_llm_raise_errors_shows_the_exception(fixtures, monkeypatch):
    monkeypatch.setenv("LLM_RAISE_ERRORS", "1")
    result = invoke(["-m", "keyed", "hi"])
    assert isinstance(result.exception, llm.NeedsKeyError)
