"""User settings: settings.json, LLM_<NAME> overrides, checked values (llm.settings)."""

from __future__ import annotations

import json
import os
import stat

import llm
import pytest
from llm.settings import (
    define_setting,
    get_setting,
    list_settings,
    set_setting,
    setting_source,
    settings_path,
    unset_setting,
)


def test_default_file_and_environment_in_that_order(user_path, monkeypatch):
    assert (get_setting("fetch_timeout"), setting_source("fetch_timeout")) == (60.0, "default")
    assert set_setting("fetch_timeout", "12.5") == 12.5
    assert json.loads((user_path / "settings.json").read_text()) == {"fetch_timeout": 12.5}
    assert (get_setting("fetch_timeout"), setting_source("fetch_timeout")) == (12.5, "settings.json")
    monkeypatch.setenv("LLM_FETCH_TIMEOUT", "3")
    assert (get_setting("fetch_timeout"), setting_source("fetch_timeout")) == (3.0, "environment")
    monkeypatch.setenv("LLM_FETCH_TIMEOUT", "")  # empty counts as unset
    assert get_setting("fetch_timeout") == 12.5
    assert unset_setting("fetch_timeout") is True
    assert unset_setting("fetch_timeout") is False
    assert get_setting("fetch_timeout") == 60.0


def test_the_file_is_private_and_keeps_other_settings(user_path):
    old = os.umask(0o022)
    try:
        set_setting("fetch_timeout", 5)
        set_setting("fetch_max_bytes", "1000")
    finally:
        os.umask(old)
    path = settings_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"fetch_timeout": 5.0, "fetch_max_bytes": 1000}


@pytest.mark.parametrize("name,value,message", [
    ("fetch_timeout", "soon", "fetch_timeout must be a number of seconds above 0, not 'soon'"),
    ("fetch_timeout", "0", "fetch_timeout must be a number of seconds above 0, not '0'"),
    ("fetch_max_bytes", "1.5", "fetch_max_bytes must be a whole number of bytes above 0"),
    ("nope", "1", "Unknown setting: nope (known settings: "),
])
def test_bad_values_are_refused_when_set(user_path, name, value, message):
    with pytest.raises(llm.ConfigError) as info:
        set_setting(name, value)
    assert message in str(info.value)
    assert not (user_path / "settings.json").exists()


def test_a_bad_value_in_the_file_or_environment_names_where_it_is(user_path, monkeypatch):
    (user_path / "settings.json").write_text('{"fetch_timeout": "never"}')
    with pytest.raises(llm.ConfigError, match=r"settings.json: fetch_timeout must be a number"):
        get_setting("fetch_timeout")
    monkeypatch.setenv("LLM_FETCH_MAX_BYTES", "lots")
    with pytest.raises(llm.ConfigError, match="LLM_FETCH_MAX_BYTES must be a whole number"):
        get_setting("fetch_max_bytes")
    (user_path / "settings.json").write_text("[1]")
    with pytest.raises(llm.ConfigError, match="expected a JSON object"):
        get_setting("fetch_timeout")


def test_kinds_bool_and_list_and_plugin_settings(user_path, monkeypatch):
    define_setting("test_flag", bool, False, "A flag for this test")
    define_setting("test_models", list, [], "A list for this test")
    assert set_setting("test_flag", "yes") is True
    assert set_setting("test_models", "a, b,,c") == ["a", "b", "c"]
    monkeypatch.setenv("LLM_TEST_FLAG", "off")
    assert get_setting("test_flag") is False
    with pytest.raises(llm.ConfigError, match="test_flag must be true or false"):
        set_setting("test_flag", "maybe")
    names = [s.name for s, _, _ in list_settings()]
    assert names == sorted(names) and {"test_flag", "test_models", "fetch_timeout"} <= set(names)
    with pytest.raises(ValueError, match="already defined differently"):
        define_setting("test_flag", int, 0, "Another meaning")


def test_fetch_limits_come_from_the_settings(user_path):
    from llm.urls import FetchLimits

    set_setting("fetch_max_bytes", 2048)
    set_setting("fetch_connect_timeout", 1.5)
    assert FetchLimits.from_environment() == FetchLimits(max_bytes=2048, timeout=60.0,
                                                         connect_timeout=1.5)
