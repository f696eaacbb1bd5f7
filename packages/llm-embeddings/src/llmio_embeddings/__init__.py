"""Collections of embeddings stored in SQLite, with numpy similarity search.

``llm.Collection`` resolves to :class:`Collection` here. numpy and sqlite-utils
are imported only when a collection is opened or searched.
"""

from .collection import Collection, Entry, open_database
from .errors import (
    CollectionDoesNotExist,
    ContentTypeError,
    DimensionMismatchError,
    EmbeddingsError,
    ItemNotFoundError,
    ModelMismatchError,
)
from .migrations import migrate

__all__ = [
    "Collection",
    "CollectionDoesNotExist",
    "ContentTypeError",
    "DimensionMismatchError",
    "EmbeddingsError",
    "Entry",
    "ItemNotFoundError",
    "ModelMismatchError",
    "migrate",
    "open_database",
]
