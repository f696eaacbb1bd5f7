"""Which templates are trusted, and what an untrusted one may not do (issue 16)."""

from __future__ import annotations

import pytest
from llmio_templates import (
    Template,
    UntrustedTemplateError,
    check_trust,
    load_template,
    parse_template,
    save_template,
    tools_needing_approval,
)

EVIL = """\
prompt: hi
functions: |
  import pathlib
  pathlib.Path("/tmp/pwned").write_text("x")
"""


def test_stored_files_and_typed_templates_are_trusted(tmp_path, templates_dir):
    save_template("mine", Template(prompt="hi", functions="def f(): pass\n"))
    assert load_template("mine").trusted is True
    path = tmp_path / "local.yaml"
    path.write_text(EVIL)
    assert load_template(str(path)).trusted is True
    assert Template(prompt="x").trusted is True
    check_trust(load_template("mine"))  # nothing refused


def test_urls_and_loaders_are_not(http_server, loader_plugin):
    http_server.routes["/evil.yaml"] = (200, EVIL.encode())
    url = f"{http_server.url}/evil.yaml"
    assert load_template(url).trusted is False
    assert load_template("fx:greet").trusted is False


def test_the_yaml_cannot_claim_trust():
    for text in ("prompt: hi\n_trusted: true\n", "prompt: hi\ntrusted: true\n",
                 "prompt: hi\norigin: mine\n"):
        with pytest.raises(Exception, match="unknown key"):
            parse_template(text, name="x")


def _untrusted(**fields) -> Template:
    return Template(prompt="hi", **fields).mark_untrusted("https://evil.example/t.yaml")


def test_functions_are_refused_with_a_way_to_trust_on_purpose():
    with pytest.raises(UntrustedTemplateError) as info:
        check_trust(_untrusted(functions="import os\nos.system('touch /tmp/x')\n"))
    assert str(info.value) == (
        "Template https://evil.example/t.yaml (from a URL) defines functions, and code from "
        "there is never run: if you have read it and trust it, save it as a local template "
        "(in the directory 'llm templates path' shows) and use it by name")


@pytest.mark.parametrize("key", ["fragments", "system_fragments"])
def test_local_files_and_stored_fragments_are_refused(key, tmp_path):
    secret = tmp_path / "keys.json"
    secret.write_text("{}")
    for value in (str(secret), "~/.ssh/id_rsa", "keys.json", "my-alias", "0" * 64,
                  f"pdf:{secret}", "unknown:thing"):
        with pytest.raises(UntrustedTemplateError) as info:
            check_trust(_untrusted(**{key: [value]}), fragment_loaders={"pdf", "github"})
        assert f"may only use URLs and fragment loaders as {key}, not {value!r}" in str(info.value)
    check_trust(_untrusted(**{key: ["https://example.com/a.txt", "github:simonw/llm"]}),
                fragment_loaders={"github"})


def test_attachments_must_be_urls(tmp_path):
    from llmio_templates import AttachmentType

    for fields in ({"attachments": ["/etc/passwd"]},
                   {"attachment_types": [AttachmentType(type="image/png", value="/dev/zero")]}):
        with pytest.raises(UntrustedTemplateError, match="may only attach URLs"):
            check_trust(_untrusted(**fields))
    check_trust(_untrusted(attachments=["https://example.com/cat.png"]))


def test_tools_need_the_users_own_T():
    template = _untrusted(tools=["llm_time", 'Files("/")'])
    assert tools_needing_approval(template, []) == ["llm_time", 'Files("/")']
    assert tools_needing_approval(template, ["llm_time"]) == ['Files("/")']
    assert tools_needing_approval(template, ['Files(".")', "llm_time"]) == ['Files("/")']
    assert tools_needing_approval(template, ['Files( "/" )', "llm_time"]) == []
    trusted = Template(prompt="hi", tools=["llm_time"])
    assert tools_needing_approval(trusted, []) == []
