import llm
import pytest
from pydantic import Field


class WideOptions(llm.Options):
    temperature: float | None = Field(
        default=None,
        description=(
            "What sampling temperature to use, between 0 and 2. Higher values like 0.8 will "
            "make the output more random, while lower values like 0.2 will make it more "
            "focused and deterministic."
        ),
    )
    logit_bias: dict | str | None = Field(default=None, description="Token biases")
    json_object: bool | None = Field(default=None, description="Output a JSON object")
    stop: str | None = None


class WideChat(llm.Model):
    can_stream = True
    Options = WideOptions
    attachment_types = frozenset({"image/webp", "image/png", "image/gif", "image/jpeg"})

    def __init__(self, model_id):
        self.model_id = model_id

    def execute(self, prompt, stream, response, conversation):
        yield "ok"


class WidePlugin:
    __name__ = "wide-plugin"

    @llm.hookimpl
    def register_models(self, register):
        register(WideChat("wide-1"), aliases=("w1",))
        register(WideChat("wide-2"))


@pytest.fixture
def wide_models(only_fixtures):
    plugin = WidePlugin()
    llm.plugins.pm.register(plugin, name="wide-plugin")
    yield
    llm.plugins.pm.unregister(name="wide-plugin")


def test_models_list(invoke, only_fixtures):
    result = invoke("models")
    assert result.exit_code == 0
    assert result.output == (
        "MockModel: mock (aliases: mock-alias)\n"
        "EchoJsonModel: echo-json\n"
        "KeyedModel: keyed\n"
        "Default: gpt-4o-mini\n"
    )
    assert invoke("models", "list").output == result.output


def test_models_list_shows_user_aliases_and_default(invoke, only_fixtures):
    assert invoke("aliases", "set", "m", "mock").exit_code == 0
    assert invoke("models", "default", "echo-json").exit_code == 0
    assert invoke("models").output == (
        "MockModel: mock (aliases: mock-alias, m)\n"
        "EchoJsonModel: echo-json\n"
        "KeyedModel: keyed\n"
        "Default: echo-json\n"
    )


def test_models_query_has_no_default_line(invoke, only_fixtures):
    result = invoke("models", "-q", "mock")
    assert result.exit_code == 0
    assert result.output == "MockModel: mock (aliases: mock-alias)\n"


def test_models_query_matches_aliases_case_insensitively(invoke, only_fixtures):
    assert invoke("models", "-q", "MOCK-AL").output == "MockModel: mock (aliases: mock-alias)\n"


def test_models_repeated_query_must_all_match(invoke, only_fixtures):
    assert invoke("models", "-q", "mock", "-q", "alias").output == (
        "MockModel: mock (aliases: mock-alias)\n"
    )
    assert invoke("models", "-q", "mock", "-q", "json").output == ""
    assert invoke("models", "-q", "e", "-q", "json").output == "EchoJsonModel: echo-json\n"


def test_models_async(invoke, only_fixtures):
    result = invoke("models", "--async")
    assert result.exit_code == 0
    assert result.output == "AsyncMockModel: mock (aliases: mock-alias)\nDefault: gpt-4o-mini\n"


def test_models_options(invoke, only_fixtures):
    result = invoke("models", "--options", "-q", "mock")
    assert result.exit_code == 0
    assert result.output == (
        "MockModel: mock (aliases: mock-alias)\n"
        "  Options:\n"
        "    max_tokens: int\n"
        "      Maximum number of tokens to generate\n"
        "    temperature: float\n"
        "      Sampling temperature\n"
        "  Attachment types:\n"
        "    audio/mpeg, audio/wav, image/jpeg, image/png\n"
    )


def test_models_options_without_options_or_attachments(invoke, only_fixtures):
    assert invoke("models", "--options", "-q", "keyed").output == "KeyedModel: keyed\n"


def test_models_options_layout(invoke, wide_models):
    """Types from the JSON schema, descriptions wrapped at 70 and shown once per class."""
    result = invoke("models", "list", "--options", "-q", "wide")
    assert result.exit_code == 0
    assert result.output == (
        "WideChat: wide-1 (aliases: w1)\n"
        "  Options:\n"
        "    temperature: float\n"
        "      What sampling temperature to use, between 0 and 2. Higher values like\n"
        "      0.8 will make the output more random, while lower values like 0.2 will\n"
        "      make it more focused and deterministic.\n"
        "    logit_bias: dict, str\n"
        "      Token biases\n"
        "    json_object: boolean\n"
        "      Output a JSON object\n"
        "    stop: str\n"
        "  Attachment types:\n"
        "    image/gif, image/jpeg, image/png, image/webp\n"
        "WideChat: wide-2\n"
        "  Options:\n"
        "    temperature: float\n"
        "    logit_bias: dict, str\n"
        "    json_object: boolean\n"
        "    stop: str\n"
        "  Attachment types:\n"
        "    image/gif, image/jpeg, image/png, image/webp\n"
    )


def test_models_default_get_and_set(invoke, only_fixtures, user_path):
    assert invoke("models", "default").output == "gpt-4o-mini\n"
    result = invoke("models", "default", "mock-alias")
    assert (result.exit_code, result.output) == (0, "")
    # The alias is resolved: the model ID is what gets stored.
    assert (user_path / "default_model.txt").read_text().strip() == "mock"
    assert invoke("models", "default").output == "mock\n"


def test_models_default_unknown_model(invoke, only_fixtures, user_path):
    result = invoke("models", "default", "nope")
    assert result.exit_code == 1
    assert result.output == "Error: Unknown model: nope\n"
    assert not (user_path / "default_model.txt").exists()
