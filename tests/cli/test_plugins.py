import json

import llm
import pytest


class TwoHookPlugin:
    __name__ = "llm-two-hooks"

    @llm.hookimpl
    def register_models(self, register):
        pass

    @llm.hookimpl
    def register_commands(self, cli):
        pass


@pytest.fixture
def two_hooks():
    llm.plugins.pm.register(TwoHookPlugin(), name="llm-two-hooks")
    yield
    llm.plugins.pm.unregister(name="llm-two-hooks")


def names(output):
    return [p["name"] for p in json.loads(output)]


def test_plugins_lists_third_party_plugins_as_json(invoke, two_hooks, fixtures):
    result = invoke("plugins")
    assert result.exit_code == 0
    assert (
        result.output
        == json.dumps(
            [
                {"name": "llm-test-fixtures", "hooks": ["register_models"]},
                {"name": "llm-two-hooks", "hooks": ["register_commands", "register_models"]},
            ],
            indent=2,
        )
        + "\n"
    )


def test_plugins_with_nothing_installed(invoke):
    """LLM_LOAD_PLUGINS='' (set for every test) loads no third-party plugin."""
    result = invoke("plugins")
    assert (result.exit_code, result.output) == (0, "[]\n")


def test_plugins_all_adds_builtin_plugins(invoke, two_hooks):
    default = names(invoke("plugins").output)
    everything = json.loads(invoke("plugins", "--all").output)
    assert "llm.default_plugins.openai_models" not in default
    openai = [p for p in everything if p["name"] == "llm.default_plugins.openai_models"]
    assert openai == [
        {
            "name": "llm.default_plugins.openai_models",
            "hooks": ["register_commands", "register_embedding_models", "register_models"],
        }
    ]
    assert set(default) < set(names(json.dumps(everything)))


# ---------------------------------------------------------------- compatibility (DESIGN §3a)

import os
import subprocess
import sys
import textwrap

from support.plugin_dists import install_plugin


def make_dist(site, dist, module, source):
    install_plugin(site, dist, module, source, version="0.3")


@pytest.fixture
def plugin_site(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    make_dist(
        site,
        "llm-good-cmd",
        "llm_good_cmd",
        """
        import click
        import llm

        @llm.hookimpl
        def register_commands(cli):
            @cli.command()
            def hello():
                "Say hello from a plugin"
                click.echo("hello from plugin")
    """,
    )
    make_dist(
        site,
        "llm-broken-import",
        "llm_broken_import",
        """
        raise ImportError("cannot import name 'gone' from 'llm'")
    """,
    )
    make_dist(
        site,
        "llm-bad-commands",
        "llm_bad_commands",
        """
        import llm

        @llm.hookimpl
        def register_commands(cli):
            raise RuntimeError("boom")
    """,
    )
    return site


def run_llm(site, user_path, *args, code=None):
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(site),
        LLM_USER_PATH=str(user_path),
        LLM_LOAD_PLUGINS="llm-good-cmd,llm-broken-import,llm-bad-commands",
    )
    env.pop("LLM_RAISE_ERRORS", None)
    argv = [sys.executable, "-c", code] if code else [sys.executable, "-m", "llmio_cli", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_broken_plugins_are_warnings_and_other_commands_work(plugin_site, user_path):
    result = run_llm(plugin_site, user_path, "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello from plugin\n"
    warnings = result.stderr.splitlines()
    assert any(
        line.startswith("Warning: plugin llm-broken-import failed to load:")
        and "cannot import name 'gone'" in line
        for line in warnings
    ), warnings
    assert "Warning: plugin llm-bad-commands failed in register_commands: boom" in warnings
    assert "Traceback" not in result.stderr

    listed = run_llm(plugin_site, user_path, "plugins")
    assert json.loads(listed.stdout) == [
        {"name": "llm-bad-commands", "hooks": ["register_commands"], "version": "0.3"},
        {"name": "llm-good-cmd", "hooks": ["register_commands"], "version": "0.3"},
    ]
    keys = run_llm(plugin_site, user_path, "keys")
    assert (keys.returncode, keys.stdout) == (0, "No keys found\n")


def test_llm_cli_import_path_for_plugin_test_suites(plugin_site, user_path):
    """What plugin test suites do: drive ``llm.cli.cli`` with CliRunner."""
    code = textwrap.dedent("""
        from click.testing import CliRunner
        from llm.cli import cli, get_default_model, get_key
        import llmio_cli.app
        assert cli is llmio_cli.app.cli
        assert get_default_model() == "gpt-4o-mini"
        result = CliRunner().invoke(cli, ["hello"])
        print(result.exit_code, result.output, end="")
    """)
    result = run_llm(plugin_site, user_path, code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "0 hello from plugin\n"


def test_llm_cli_shim_names_missing_distribution(tmp_path, user_path):
    """Without llmio-cli installed, ``from llm.cli import cli`` says what to install."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "llmio_cli").mkdir()
    (blocker / "llmio_cli" / "__init__.py").write_text("raise ImportError(name='llmio_cli')\n")
    code = textwrap.dedent("""
        import llm.cli
        try:
            from llm.cli import cli
        except ImportError as exc:
            print(exc)
        from llm.cli import get_key
        print(get_key("literal"))
    """)
    env = dict(os.environ, PYTHONPATH=str(blocker), LLM_USER_PATH=str(user_path))
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "llm.cli needs the llmio-cli distribution: pip install llmio-cli\nliteral\n"
    )


def test_llm_cli_names_plugins_import(fixtures, logs_db):
    import llm.cli
    import llmio_cli.app
    from llm.cli import cli, get_default_model, get_key, load_conversation, logs_on, user_dir

    assert cli is llmio_cli.app.cli
    assert (get_default_model(), logs_on(), user_dir()) == ("gpt-4o-mini", True, llm.user_dir())
    assert get_key("sk-literal") == "sk-literal"
    assert callable(llm.cli.load_template)
    with pytest.raises(AttributeError):
        llm.cli.no_such_name  # noqa: B018

    assert load_conversation() is None
    response = llm.get_model("mock").prompt("hello")
    response.text()
    response.log_to_db(logs_db)
    conversation = load_conversation()
    assert conversation.id == response.conversation.id
    assert [r.prompt.prompt for r in conversation.responses] == ["hello"]
    assert load_conversation(conversation.id).id == conversation.id
    with pytest.raises(KeyError):
        load_conversation("missing")


def test_a_broken_builtin_command_module_is_a_warning(monkeypatch, capsys, invoke):
    from llmio_cli import app

    monkeypatch.setattr(app, "COMMAND_MODULES", ("keys", "no_such_module"))
    app._add_builtin_commands()
    assert capsys.readouterr().err == (
        "Warning: the 'no_such_module' commands failed to load: "
        "No module named 'llmio_cli.commands.no_such_module'\n"
    )
    assert invoke("keys").output == "No keys found\n"
    monkeypatch.setenv("LLM_RAISE_ERRORS", "1")
    with pytest.raises(ModuleNotFoundError):
        app._add_builtin_commands()
