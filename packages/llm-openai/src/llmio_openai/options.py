"""Options for the OpenAI models (pydantic, validated before any request is made).

Field order, names, types and descriptions are what ``llm models --options``
shows, so they follow the documented listing.
"""

from __future__ import annotations

import json
from typing import Optional, Union

from pydantic import Field, field_validator

import llm

__all__ = [
    "SharedOptions",
    "Options",
    "ChatOptions",
    "ReasoningOptions",
    "CompletionOptions",
    "REASONING_EFFORTS",
]

REASONING_EFFORTS = ("minimal", "low", "medium", "high")


class SharedOptions(llm.Options):
    """Options accepted by both chat and completion models."""

    temperature: Optional[float] = Field(
        description=(
            "What sampling temperature to use, between 0 and 2. Higher values like "
            "0.8 will make the output more random, while lower values like 0.2 will "
            "make it more focused and deterministic."
        ),
        ge=0,
        le=2,
        default=None,
    )
    max_tokens: Optional[int] = Field(
        description="Maximum number of tokens to generate.", ge=1, default=None
    )
    top_p: Optional[float] = Field(
        description=(
            "An alternative to sampling with temperature, called nucleus sampling, "
            "where the model considers the results of the tokens with top_p "
            "probability mass. So 0.1 means only the tokens comprising the top 10% "
            "probability mass are considered. Recommended to use top_p or "
            "temperature but not both."
        ),
        ge=0,
        le=1,
        default=None,
    )
    frequency_penalty: Optional[float] = Field(
        description=(
            "Number between -2.0 and 2.0. Positive values penalize new tokens based "
            "on their existing frequency in the text so far, decreasing the model's "
            "likelihood to repeat the same line verbatim."
        ),
        ge=-2,
        le=2,
        default=None,
    )
    presence_penalty: Optional[float] = Field(
        description=(
            "Number between -2.0 and 2.0. Positive values penalize new tokens based "
            "on whether they appear in the text so far, increasing the model's "
            "likelihood to talk about new topics."
        ),
        ge=-2,
        le=2,
        default=None,
    )
    stop: Optional[str] = Field(
        description="A string where the API will stop generating further tokens.",
        default=None,
    )
    logit_bias: Optional[Union[dict, str]] = Field(
        description=(
            "Modify the likelihood of specified tokens appearing in the completion. "
            "Pass a JSON string like '{\"1712\":-100, \"892\":-100, \"1489\":-100}'"
        ),
        default=None,
    )
    seed: Optional[int] = Field(
        description="Integer seed to attempt to sample deterministically",
        default=None,
    )

    @field_validator("logit_bias")
    @classmethod
    def validate_logit_bias(cls, logit_bias):
        """Accept a dict or a JSON object string; keys are token ids, values -100..100."""
        if logit_bias is None:
            return None
        if isinstance(logit_bias, str):
            try:
                logit_bias = json.loads(logit_bias)
            except json.JSONDecodeError:
                raise ValueError("Invalid JSON in logit_bias string") from None
        if not isinstance(logit_bias, dict):
            raise ValueError("logit_bias must be a JSON object mapping token ids to numbers")
        validated = {}
        for key, value in logit_bias.items():
            try:
                token = int(key)
            except (TypeError, ValueError):
                raise ValueError(f"logit_bias key {key!r} is not an integer token id") from None
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"logit_bias value for {key} must be a number")
            if not -100 <= value <= 100:
                raise ValueError("logit_bias values must be between -100 and 100")
            validated[str(token)] = int(value)
        return validated


class Options(SharedOptions):
    """Chat model options."""

    json_object: Optional[bool] = Field(
        description="Output a valid JSON object {...}. Prompt must mention JSON.",
        default=None,
    )


ChatOptions = Options


class ReasoningOptions(Options):
    """Chat options for reasoning models (o1, o3, ...)."""

    reasoning_effort: Optional[str] = Field(
        description=(
            "Constraints effort on reasoning for reasoning models. Currently supported "
            "values are low, medium, and high. Reducing reasoning effort can result in "
            "faster responses and fewer tokens used on reasoning in a response."
        ),
        default=None,
    )

    @field_validator("reasoning_effort")
    @classmethod
    def validate_reasoning_effort(cls, value):
        if value is None:
            return None
        value = str(value).strip().lower()
        if value not in REASONING_EFFORTS:
            raise ValueError(f"reasoning_effort must be one of: {', '.join(REASONING_EFFORTS)}")
        return value


class CompletionOptions(SharedOptions):
    """Options for completion (``/v1/completions``) models."""

    logprobs: Optional[int] = Field(
        description="Include the log probabilities of most likely N per token",
        default=None,
        ge=0,
        le=5,
    )
