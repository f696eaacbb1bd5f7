"""The Template model, YAML parsing and variable substitution (no files, no CLI)."""

from __future__ import annotations

import subprocess
import sys

import pydantic
import pytest
from llmio_templates import (
    AttachmentType,
    MissingVariables,
    Template,
    TemplateError,
    parse_template,
    template_to_yaml,
)

ALL_KEYS_YAML = """\
prompt: 'Summarize this: $input'
system: You speak like an excitable Victorian adventurer
model: mock
defaults:
  voice: GlaDOS
  count: 3
options:
  temperature: 0.5
  max_tokens: 100
extract: true
extract_last: false
schema_object:
  type: object
  properties:
    name:
      type: string
attachments:
- photo.png
- https://example.com/a.jpg
attachment_types:
- type: image/png
  value: raw.bin
fragments:
- notes.md
system_fragments:
- style.md
tools:
- llm_time
functions: |
  def add(a: int, b: int) -> int:
      return a + b
"""


# --- parsing -----------------------------------------------------------------


def test_every_key_is_parsed():
    t = parse_template(ALL_KEYS_YAML, name="everything")
    assert t.name == "everything"
    assert t.prompt == "Summarize this: $input"
    assert t.system == "You speak like an excitable Victorian adventurer"
    assert t.model == "mock"
    assert t.defaults == {"voice": "GlaDOS", "count": 3}
    assert t.options == {"temperature": 0.5, "max_tokens": 100}
    assert t.extract is True
    assert t.extract_last is False
    assert t.schema_object == {"type": "object", "properties": {"name": {"type": "string"}}}
    assert t.attachments == ["photo.png", "https://example.com/a.jpg"]
    assert t.attachment_types == [AttachmentType(type="image/png", value="raw.bin")]
    assert t.fragments == ["notes.md"]
    assert t.system_fragments == ["style.md"]
    assert t.tools == ["llm_time"]
    assert t.functions == "def add(a: int, b: int) -> int:\n    return a + b\n"


def test_unset_keys_are_none():
    t = parse_template("system: Summarize this", name="s")
    assert t.model_dump(exclude={"name", "system"}) == {
        key: None
        for key in [
            "prompt",
            "model",
            "defaults",
            "options",
            "extract",
            "extract_last",
            "schema_object",
            "attachments",
            "attachment_types",
            "fragments",
            "system_fragments",
            "tools",
            "functions",
        ]
    }


def test_plain_string_file_is_a_prompt():
    t = parse_template("Summarize this text in the voice of $voice\n", name="plain")
    assert t.prompt == "Summarize this text in the voice of $voice"
    assert t.system is None


def test_empty_file_is_an_empty_template():
    t = parse_template("", name="empty")
    assert t.prompt is None and t.system is None
    assert t.evaluate("hello") == ("hello", None)


def test_steampunk_folded_block_collapses_newlines():
    t = parse_template(
        "prompt: >\n"
        "    Summarize the following text.\n"
        "\n"
        "    Insert frequent satirical steampunk-themed illustrative anecdotes.\n"
        "    Really go wild with that.\n"
        "\n"
        "    Text to summarize: $input\n"
    )
    assert t.prompt == (
        "Summarize the following text.\n"
        "Insert frequent satirical steampunk-themed illustrative anecdotes. "
        "Really go wild with that.\n"
        "Text to summarize: $input\n"
    )


def test_literal_block_keeps_newlines():
    t = parse_template("prompt: |\n    line one\n    line two $input\n")
    assert t.prompt == "line one\nline two $input\n"


def test_unknown_key_is_an_error_naming_it():
    with pytest.raises(TemplateError) as info:
        parse_template("prompt: hi\nsytem: typo\n", name="typo")
    assert str(info.value) == "Invalid template 'typo': unknown key 'sytem'"


def test_wrong_value_type_is_an_error():
    with pytest.raises(TemplateError) as info:
        parse_template("prompt: hi\ndefaults: [a, b]\n", name="bad")
    message = str(info.value)
    assert message.startswith("Invalid template 'bad': defaults: ")
    assert "dictionary" in message
    assert "\n" not in message


def test_invalid_yaml_is_a_one_line_error_with_position():
    with pytest.raises(TemplateError) as info:
        parse_template("prompt: 'unterminated\nsystem: x: y\n", name="broken")
    message = str(info.value)
    assert message.startswith("Invalid YAML in template 'broken' at line ")
    assert "\n" not in message


def test_yaml_list_is_not_a_template():
    with pytest.raises(TemplateError) as info:
        parse_template("- a\n- b\n", name="list")
    assert str(info.value) == (
        "Invalid template 'list': expected a YAML mapping or a string, got list"
    )


def test_constructor_rejects_unknown_keys():
    with pytest.raises(pydantic.ValidationError):
        Template(prompt="x", not_a_key=1)


def test_from_dict_reports_template_error():
    with pytest.raises(TemplateError) as info:
        Template.from_dict({"prompt": "x", "bogus": 1, "other": 2}, name="t")
    assert str(info.value) == "Invalid template 't': unknown key 'bogus'; unknown key 'other'"


def test_missing_variables_is_a_template_error():
    assert issubclass(MissingVariables, TemplateError)
    assert Template.MissingVariables is MissingVariables


def test_importing_llm_templates_does_not_import_yaml():
    code = (
        "import sys, llmio_templates; print('yaml' in sys.modules, 'urllib.request' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


# --- vars --------------------------------------------------------------------


def test_vars_covers_prompt_and_system():
    t = Template(prompt="Hi $name, ${greeting}! $input", system="Voice of $voice, cost $$5")
    assert t.vars() == {"name", "greeting", "input", "voice"}


def test_vars_empty_template():
    assert Template().vars() == set()


def test_uses_input():
    assert Template(prompt="Summarize: $input").uses_input()
    assert Template(system="Summarize this").uses_input()
    assert Template(system="Be $voice", prompt="x ${input}").uses_input()
    assert not Template(prompt="Suggest a recipe using $ingredients").uses_input()


# --- evaluate ----------------------------------------------------------------


def test_input_substitution():
    t = Template(prompt="Summarize this: $input")
    assert t.evaluate("some text") == ("Summarize this: some text", None)


def test_braced_input_substitution():
    t = Template(prompt="<<${input}>>")
    assert t.evaluate("x") == ("<<x>>", None)


def test_double_dollar_is_a_literal_dollar():
    t = Template(prompt="It costs $$5 for $input")
    assert t.evaluate("tea") == ("It costs $5 for tea", None)


def test_system_only_uses_input_as_prompt():
    t = Template(system="Summarize this")
    assert t.evaluate("the text") == ("the text", "Summarize this")


def test_system_only_without_input():
    t = Template(system="Summarize this")
    assert t.evaluate(None) == (None, "Summarize this")


def test_system_and_prompt_combined():
    t = Template(
        system="You speak like an excitable Victorian adventurer", prompt="Summarize this: $input"
    )
    assert t.evaluate("a text") == (
        "Summarize this: a text",
        "You speak like an excitable Victorian adventurer",
    )


def test_named_params():
    t = Template(
        prompt="Suggest a recipe using ingredients: $ingredients\n\n"
        "It should be based on cuisine from this country: $country\n"
    )
    prompt, system = t.evaluate("", {"ingredients": "sausages, milk", "country": "Germany"})
    assert prompt == (
        "Suggest a recipe using ingredients: sausages, milk\n\n"
        "It should be based on cuisine from this country: Germany\n"
    )
    assert system is None


def test_params_in_system():
    t = Template(system="Summarize this text in the voice of $voice")
    assert t.evaluate("TEXT", {"voice": "GlaDOS"}) == (
        "TEXT",
        "Summarize this text in the voice of GlaDOS",
    )


def test_defaults_used_and_overridden():
    t = Template(system="Summarize this text in the voice of $voice", defaults={"voice": "GlaDOS"})
    assert t.evaluate("T") == ("T", "Summarize this text in the voice of GlaDOS")
    assert t.evaluate("T", {"voice": "Yoda"}) == ("T", "Summarize this text in the voice of Yoda")


def test_non_string_defaults_are_stringified():
    t = Template(prompt="Give me $count ideas", defaults={"count": 3})
    assert t.evaluate(None) == ("Give me 3 ideas", None)


def test_missing_param_error_names_it():
    t = Template(system="Summarize this text in the voice of $voice")
    with pytest.raises(MissingVariables) as info:
        t.evaluate("text")
    assert str(info.value) == "Missing template parameter: voice"
    assert info.value.names == ["voice"]


def test_missing_params_error_names_all_in_order():
    t = Template(system="As $persona", prompt="Recipe with $ingredients from $country")
    with pytest.raises(MissingVariables) as info:
        t.evaluate("", {"country": "Germany"})
    assert str(info.value) == "Missing template parameters: persona, ingredients"


def test_input_never_missing():
    assert Template(prompt="[$input]").evaluate(None) == ("[]", None)


def test_params_cannot_replace_input():
    t = Template(prompt="Summarize: $input")
    assert t.evaluate("real", {"input": "fake"}) == ("Summarize: real", None)


def test_input_appended_when_template_has_no_input_variable():
    t = Template(prompt="Suggest a recipe using $ingredients")
    assert t.evaluate("and make it vegan", {"ingredients": "tofu"}) == (
        "Suggest a recipe using tofu\nand make it vegan",
        None,
    )


def test_nothing_appended_without_input():
    t = Template(prompt="Suggest a recipe using $ingredients")
    assert t.evaluate("", {"ingredients": "tofu"}) == ("Suggest a recipe using tofu", None)
    assert t.evaluate(None, {"ingredients": "tofu"}) == ("Suggest a recipe using tofu", None)


def test_input_not_appended_when_system_uses_it():
    t = Template(system="Context: $input", prompt="Answer briefly")
    assert t.evaluate("doc") == ("Answer briefly", "Context: doc")


def test_evaluate_does_not_mutate_params():
    params = {"voice": "Yoda"}
    Template(system="$voice", defaults={"other": "x"}).evaluate("in", params)
    assert params == {"voice": "Yoda"}


def test_unescaped_dollar_is_a_clear_error():
    t = Template(prompt="That costs $5: $input")
    with pytest.raises(TemplateError) as info:
        t.evaluate("x")
    assert str(info.value) == (
        "Template prompt has a '$' that is not a variable (invalid placeholder: line 1, col 12);"
        " write $$ for a literal $"
    )


def test_param_values_are_not_reinterpreted():
    t = Template(prompt="Say $word")
    assert t.evaluate("", {"word": "$input and $$"}) == ("Say $input and $$", None)


def test_interpolate_classmethod():
    assert Template.interpolate("Hi $x", {"x": "there"}) == "Hi there"
    assert Template.interpolate(None, {}) is None
    with pytest.raises(MissingVariables):
        Template.interpolate("Hi $x", {})


# --- YAML output ---------------------------------------------------------------


def test_template_to_yaml_round_trips_every_key():
    original = parse_template(ALL_KEYS_YAML, name="everything")
    text = template_to_yaml(original)
    assert parse_template(text, name="everything") == original
    assert not text.startswith("name:") and "\nname:" not in text


def test_template_to_yaml_uses_block_style_for_multiline():
    text = template_to_yaml(Template(prompt="line one\nline two: $input\n", system="short"))
    assert text == "prompt: |\n    line one\n    line two: $input\nsystem: short\n"


def test_template_to_yaml_keeps_key_order_and_omits_unset():
    text = template_to_yaml(
        Template(name="x", system="Summarize this", model="gpt-4", defaults={"voice": "GlaDOS"})
    )
    assert text == "system: Summarize this\nmodel: gpt-4\ndefaults:\n    voice: GlaDOS\n"


def test_llm_template_is_this_template():
    import llm

    assert llm.Template is Template
