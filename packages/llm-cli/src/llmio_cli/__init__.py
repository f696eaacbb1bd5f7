"""The `llm` command-line tool: a thin click layer over the `llm` library."""

from .app import cli

__all__ = ["cli"]
