"""Collections of embeddings stored in SQLite, with numpy similarity search.

``llm.Collection`` resolves to :class:`Collection` here. numpy and sqlite-utils
are imported only when a collection is opened or searched.
"""

from .collection import Collection, parallel_batches
from .errors import (
    CollectionDoesNotExist,
    ContentTypeError,
    DimensionMismatchError,
    EmbeddingsError,
    ItemNotFoundError,
    ModelMismatchError,
)
from .inputs import InputError, InputRows, read_input
from .migrations import migrate
from .sqlite_storage import SQLiteStorage, list_collections, open_database
from .storage import (
    CollectionInfo,
    CollectionStorage,
    Entry,
    StoredItem,
    open_storage,
    storage_backends,
)

__all__ = [
    "Collection",
    "CollectionDoesNotExist",
    "CollectionInfo",
    "CollectionStorage",
    "ContentTypeError",
    "DimensionMismatchError",
    "EmbeddingsError",
    "Entry",
    "InputError",
    "InputRows",
    "ItemNotFoundError",
    "ModelMismatchError",
    "SQLiteStorage",
    "StoredItem",
    "list_collections",
    "migrate",
    "open_database",
    "open_storage",
    "parallel_batches",
    "read_input",
    "storage_backends",
]
