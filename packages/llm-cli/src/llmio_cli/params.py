"""Option types shared by commands."""

from __future__ import annotations

from typing import Any

import click


class AtLeast(click.ParamType):
    """A whole number no smaller than ``minimum`` (``-n -5`` is refused).

    Unlike ``click.IntRange`` it adds nothing to the help text, which keeps the
    documented ``--help`` output as it is.
    """

    name = "integer"

    def __init__(self, minimum: int) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a valid integer.", param, ctx)
        if number < self.minimum:
            self.fail(f"{number} is less than {self.minimum}.", param, ctx)
        return number
