"""JSON schemas for function tools, built from type hints by pydantic."""

from __future__ import annotations

import enum
import json
from typing import Literal, Optional

import llm
from llm.tools import function_schema
from pydantic import BaseModel


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(BaseModel):
    x: int
    title: str = "origin"  # a property called "title" is kept


def test_simple_parameters_stay_compact():
    def upper(text: str, times: int) -> str:
        "Upper-case the text."

    # Key order matters: the schema is stored as JSON text in logs.db.
    assert json.dumps(function_schema(upper)) == json.dumps({
        "type": "object",
        "properties": {"text": {"type": "string"}, "times": {"type": "integer"}},
        "required": ["text", "times"],
    })


def test_optional_literal_enum_and_defaults():
    def pick(name: str | None, mode: Literal["fast", "slow"], colour: Colour,
             tries: int = 3, tags: Optional[list[str]] = None, anything=1):
        pass

    assert function_schema(pick) == {
        "type": "object",
        "properties": {
            "name": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "mode": {"type": "string", "enum": ["fast", "slow"]},
            "colour": {"type": "string", "enum": ["red", "blue"]},
            "tries": {"type": "integer", "default": 3},
            "tags": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}],
                     "default": None},
            "anything": {"default": 1},
        },
        "required": ["name", "mode", "colour"],
    }


def test_nested_models_are_inlined_without_titles():
    def place(point: Point) -> str:
        pass

    assert function_schema(place) == {
        "type": "object",
        "properties": {"point": {
            "type": "object",
            "properties": {"x": {"type": "integer"},
                           "title": {"type": "string", "default": "origin"}},
            "required": ["x"],
        }},
        "required": ["point"],
    }


def test_self_varargs_and_llm_tool_call_are_not_parameters():
    class Box(llm.Toolbox):
        def run(self, command: str, *args, llm_tool_call=None, **kwargs) -> str:
            "Run it."

    [tool] = Box().tools()
    assert tool.input_schema == {"type": "object", "properties": {"command": {"type": "string"}},
                                 "required": ["command"]}


def test_a_type_pydantic_cannot_describe_leaves_that_parameter_open():
    class Opaque:
        pass

    def use(thing: Opaque, count: int = 1):
        pass

    schema = function_schema(use)
    assert schema["properties"]["count"] == {"type": "integer", "default": 1}
    assert schema["required"] == ["thing"]
