"""Exceptions raised by collections; every message is one readable line."""

from __future__ import annotations


class EmbeddingsError(Exception):
    """Base class for errors raised by :mod:`llmio_embeddings`."""


class CollectionDoesNotExist(EmbeddingsError):
    """A collection was opened without a model and is not in the database."""


class ModelMismatchError(EmbeddingsError):
    """The model given differs from the one the collection was created with."""


class DimensionMismatchError(EmbeddingsError):
    """Vectors of different lengths cannot be compared."""


class ItemNotFoundError(EmbeddingsError):
    """No stored embedding has the requested ID."""


class ContentTypeError(EmbeddingsError):
    """The model cannot embed this kind of content (text or binary)."""
