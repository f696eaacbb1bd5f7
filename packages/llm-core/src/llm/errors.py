"""Exceptions raised by the library; the CLI turns them into one-line errors."""

from __future__ import annotations


class ModelError(Exception):
    """A model or its provider failed in a way the user should be told about."""


class NeedsKeyError(ModelError):
    """A model needs an API key and none was found."""


class UnknownModelError(KeyError):
    """No model (or alias) has the requested name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else "Unknown model"


class ConfigError(ValueError):
    """A configuration file in the user directory is missing pieces or malformed."""


class AttachmentError(ValueError):
    """An attachment cannot be read, fetched or is of a type the model refuses."""


class FragmentError(ValueError):
    """A fragment reference cannot be used: unreadable, not text, a loader failed..."""


class FragmentNotFound(FragmentError):
    """A fragment reference names no file, URL, loader, alias or stored hash."""
