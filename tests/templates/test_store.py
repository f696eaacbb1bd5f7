"""Stored templates, paths, URLs and plugin loaders (the Python API)."""

from __future__ import annotations

import os

import llm
import pytest
from llmio_templates import (
    Template,
    TemplateError,
    get_template_loaders,
    list_templates,
    load_template,
    save_template,
    template_path,
)

# --- names and paths -------------------------------------------------------------


def test_templates_live_in_the_user_directory(user_path):
    assert llm.templates_path() == user_path / "templates"
    assert template_path("summarize") == user_path / "templates" / "summarize.yaml"


@pytest.mark.parametrize("name", ["summarize", "my template", "résumé", "gpt-4o_v2", "a.b"])
def test_ordinary_names_are_accepted(name, user_path):
    assert template_path(name) == user_path / "templates" / f"{name}.yaml"


@pytest.mark.parametrize(
    "name",
    [
        "../escape",
        "../../etc/passwd",
        "sub/dir",
        "/etc/passwd",
        "back\\slash",
        "..",
        ".",
        ".hidden",
        "C:evil",
        "nul\x00byte",
        "new\nline",
        "",
        "   ",
        " padded",
    ],
)
def test_hostile_names_are_rejected(name, user_path):
    with pytest.raises(TemplateError) as info:
        template_path(name)
    assert "\n" not in str(info.value)
    with pytest.raises(TemplateError):
        save_template(name, Template(prompt="x"))
    # nothing was written anywhere
    assert [p for p in user_path.parent.rglob("*") if p.is_file()] == []


def test_hostile_name_message(user_path):
    with pytest.raises(TemplateError) as info:
        template_path("../escape")
    assert str(info.value) == (
        "Invalid template name '../escape': use a name without path separators, ':' "
        "or a leading '.'"
    )


# --- save / load -------------------------------------------------------------------


def test_save_writes_yaml_and_load_reads_it(user_path):
    path = save_template("summarize", Template(prompt="Summarize this: $input"))
    assert path == user_path / "templates" / "summarize.yaml"
    assert path.read_text() == "prompt: 'Summarize this: $input'\n"
    loaded = load_template("summarize")
    assert loaded == Template(name="summarize", prompt="Summarize this: $input")


def test_save_round_trips_every_key(user_path):
    template = Template(
        prompt="Summarize this: $input",
        system="You are $voice\nand terse",
        model="mock",
        defaults={"voice": "GlaDOS"},
        options={"temperature": 0.5},
        extract=True,
        extract_last=True,
        schema_object={"type": "object", "properties": {"n": {"type": "integer"}}},
        attachments=["/tmp/photo.png"],
        attachment_types=[{"type": "image/png", "value": "/tmp/raw"}],
        fragments=["a.md"],
        system_fragments=["b.md"],
        tools=["llm_version"],
        functions="def f():\n    return 1\n",
    )
    save_template("everything", template)
    loaded = load_template("everything")
    assert loaded == template.model_copy(update={"name": "everything"})


def test_save_overwrites_atomically(user_path):
    save_template("t", Template(prompt="one"))
    save_template("t", Template(system="two"))
    assert load_template("t") == Template(name="t", system="two")
    assert sorted(p.name for p in (user_path / "templates").iterdir()) == ["t.yaml"]


def test_unicode_is_written_readably(user_path):
    path = save_template("fr", Template(system="Résumez ceci ✨"))
    assert path.read_text(encoding="utf-8") == "system: Résumez ceci ✨\n"


def test_load_unknown_name():
    with pytest.raises(TemplateError) as info:
        load_template("nope")
    assert str(info.value) == "Unknown template: nope"


def test_load_hostile_name_does_not_escape(user_path):
    (user_path / "secret.yaml").write_text("prompt: secret\n")
    with pytest.raises(TemplateError) as info:
        load_template("../secret")
    assert str(info.value).startswith("Invalid template name '../secret'")


def test_load_invalid_yaml(templates_dir):
    (templates_dir / "bad.yaml").write_text("prompt: [unclosed\n")
    with pytest.raises(TemplateError) as info:
        load_template("bad")
    assert str(info.value).startswith("Invalid YAML in template 'bad' at line 2, column 1: ")


def test_load_unknown_key(templates_dir):
    (templates_dir / "typo.yaml").write_text("promt: hello\n")
    with pytest.raises(TemplateError) as info:
        load_template("typo")
    assert str(info.value) == "Invalid template 'typo': unknown key 'promt'"


def test_name_in_file_is_overridden_by_file_name(templates_dir):
    (templates_dir / "real.yaml").write_text("name: other\nprompt: hi\n")
    assert load_template("real").name == "real"


# --- paths --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_load_from_absolute_path(tmp_path, suffix):
    path = tmp_path / f"roast{suffix}"
    path.write_text("model: mock\nsystem: roast the user\n")
    assert load_template(str(path)) == Template(name="roast", model="mock", system="roast the user")


def test_load_from_relative_path(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "t.yaml").write_text("prompt: relative $input\n")
    monkeypatch.chdir(tmp_path)
    assert load_template("sub/t.yaml").prompt == "relative $input"
    monkeypatch.chdir(tmp_path / "sub")
    # "t.yaml" is not a stored name (that would be t.yaml.yaml) but it is a file here
    assert load_template("t.yaml").prompt == "relative $input"


def test_stored_name_wins_over_file_in_cwd(tmp_path, monkeypatch, templates_dir):
    (templates_dir / "x.yml.yaml").write_text("prompt: stored\n")
    (tmp_path / "x.yml").write_text("prompt: file\n")
    monkeypatch.chdir(tmp_path)
    assert load_template("x.yml").prompt == "stored"


def test_missing_path(tmp_path):
    with pytest.raises(TemplateError) as info:
        load_template(str(tmp_path / "missing.yaml"))
    assert str(info.value) == f"Template file not found: {tmp_path / 'missing.yaml'}"


def test_bad_yaml_in_path(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("system: 'x\n")
    with pytest.raises(TemplateError) as info:
        load_template(str(path))
    assert str(info.value).startswith("Invalid YAML in template 'broken'")


# --- URLs ---------------------------------------------------------------------------


def test_load_from_url(http_server):
    http_server.routes["/t/summarize.yaml"] = (200, b"system: Summarize this\nmodel: mock\n")
    url = f"{http_server.url}/t/summarize.yaml"
    template = load_template(url)
    assert template.model_dump() == Template(name=url, system="Summarize this",
                                             model="mock").model_dump()
    assert (template.trusted, template.origin) == (False, url)
    assert http_server.requests == ["/t/summarize.yaml"]


def test_url_plain_string(http_server):
    http_server.routes["/plain"] = (200, "Say hi to $who ✨".encode())
    assert load_template(f"{http_server.url}/plain").prompt == "Say hi to $who ✨"


def test_url_404(http_server):
    url = f"{http_server.url}/missing.yaml"
    with pytest.raises(TemplateError) as info:
        load_template(url)
    assert str(info.value) == f"Could not fetch template {url}: HTTP 404 Not Found"


def test_url_invalid_yaml(http_server):
    http_server.routes["/bad.yaml"] = (200, b"prompt: [\n")
    with pytest.raises(TemplateError) as info:
        load_template(f"{http_server.url}/bad.yaml")
    assert str(info.value).startswith(f"Invalid YAML in template '{http_server.url}/bad.yaml'")


def test_url_unknown_key(http_server):
    http_server.routes["/k.yaml"] = (200, b"prompt: x\nevil: 1\n")
    with pytest.raises(TemplateError) as info:
        load_template(f"{http_server.url}/k.yaml")
    assert str(info.value) == f"Invalid template '{http_server.url}/k.yaml': unknown key 'evil'"


def test_url_connection_refused():
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(TemplateError) as info:
        load_template(f"http://127.0.0.1:{port}/t.yaml")
    assert str(info.value).startswith(f"Could not fetch template http://127.0.0.1:{port}/t.yaml: ")


# --- plugin loaders -------------------------------------------------------------------


def test_loaders_from_plugin(loader_plugin):
    loaders = get_template_loaders()
    assert loaders["fx"] == loader_plugin.fx_loader
    assert loaders["broken"] == loader_plugin.broken_loader


def test_no_loaders_without_plugins():
    assert get_template_loaders() == {}


def test_prefix_calls_loader(loader_plugin):
    template = load_template("fx:greet")
    assert loader_plugin.calls == [("fx", "greet")]
    assert template.prompt == "Greet $who: $input"
    assert template.name == "fx:greet"
    assert template.evaluate("hello") == ("Greet the user: hello", None)
    assert (template.trusted, template.origin) == (False, "fx:greet")
    # The loader's own object is not changed.
    assert loader_plugin.templates["greet"].trusted is True


def test_loader_name_is_kept(loader_plugin):
    assert load_template("fx:named").name == "custom-name"


def test_loader_rest_keeps_colons_and_slashes(loader_plugin):
    with pytest.raises(TemplateError):
        load_template("fx:a/b:c.yaml")
    assert loader_plugin.calls == [("fx", "a/b:c.yaml")]


def test_loader_error_is_reported(loader_plugin):
    with pytest.raises(TemplateError) as info:
        load_template("fx:nope")
    assert str(info.value) == "Could not load template 'fx:nope': No fixture template called 'nope'"


def test_loader_returning_wrong_type(loader_plugin):
    with pytest.raises(TemplateError) as info:
        load_template("broken:x")
    assert str(info.value) == "Template loader 'broken' returned dict, not a Template"


def test_unknown_prefix(loader_plugin):
    with pytest.raises(TemplateError) as info:
        load_template("gh:simonw/foo")
    assert str(info.value) == "Unknown template: gh:simonw/foo (no template loader for prefix 'gh')"
    assert loader_plugin.calls == []


def test_duplicate_prefixes_are_suffixed(loader_plugin):
    from llm.plugins import pm

    class Second:
        @llm.hookimpl
        def register_template_loaders(self, register):
            register("fx", second)
            register("fx", third)

    def second(name):
        return Template(prompt="second")

    def third(name):
        return Template(prompt="third")

    pm.register(Second(), name="second-loader")
    try:
        loaders = get_template_loaders()
        assert set(loaders) == {"fx", "fx_1", "fx_2", "broken"}
        fx = [loaders["fx"], loaders["fx_1"], loaders["fx_2"]]
        assert sorted(f.__name__ for f in fx) == ["fx_loader", "second", "third"]
        suffixed = next(k for k in ("fx", "fx_1", "fx_2") if loaders[k] is third)
        assert load_template(f"{suffixed}:x").prompt == "third"
    finally:
        pm.unregister(name="second-loader")


# --- listing ------------------------------------------------------------------------


def test_list_templates_reports_broken_files(templates_dir):
    (templates_dir / "b-good.yaml").write_text("system: ok\n")
    (templates_dir / "a-bad.yaml").write_text("prompt: [\n")
    (templates_dir / "c-unknown.yaml").write_text("bogus: 1\n")
    (templates_dir / "notes.txt").write_text("ignored")
    listed = list_templates()
    assert [name for name, _ in listed] == ["a-bad", "b-good", "c-unknown"]
    assert isinstance(listed[0][1], TemplateError)
    assert listed[1][1] == Template(name="b-good", system="ok")
    assert str(listed[2][1]) == "Invalid template 'c-unknown': unknown key 'bogus'"


def test_unreadable_file_is_an_error(templates_dir):
    (templates_dir / "bin.yaml").write_bytes(b"prompt: \xff\xfe\n")
    with pytest.raises(TemplateError) as info:
        load_template("bin")
    assert str(info.value).startswith("Template 'bin' is not UTF-8 text")


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_symlinked_template_is_loaded(templates_dir, tmp_path):
    target = tmp_path / "shared.yaml"
    target.write_text("prompt: shared\n")
    (templates_dir / "linked.yaml").symlink_to(target)
    assert load_template("linked").prompt == "shared"
