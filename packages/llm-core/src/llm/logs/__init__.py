"""The logs store: every prompt and response in ``logs.db`` (spec: logging.md).

Start with :func:`open`, which gives a :class:`LogStore`::

    with llm.logs.open(create=False) as store:
        rows = store.search(LogFilters(model="4o", query="pelican", limit=5))

The store logs responses, loads conversations to continue them, searches with
every ``llm logs`` filter (:class:`LogFilters`), looks up stored fragments and
schemas, records toolbox instances and reports its status. The functions below
it (:func:`open_db`, :func:`log_response`, :func:`load_conversation`,
:func:`log_or_keep`, ...) work on a sqlite3 connection.
"""

from .connection import (
    BUSY_TIMEOUT_SECONDS,
    LogsDatabaseError,
    busy_timeout,
    check_database_kind,
    connect,
    create_private_database,
    is_logs_database,
    open_db,
)
from .migrations import SCHEMA_VERSION, migrate
from .read import latest_conversation_id, load_conversation
from .recovery import (
    ImportResult,
    import_pending,
    import_pending_records,
    keep_response,
    log_or_keep,
    pending_path,
    rejected_path,
)
from .response_rows import data_items
from .search import ConversationNotFound, LogFilters, fts_query
from .status import LogStatus
from .store import LogStore, as_store
from .store import open as open  # not in __all__: a star import must not hide builtins.open
from .write import log_response, store_fragment

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "SCHEMA_VERSION",
    "ConversationNotFound",
    "ImportResult",
    "LogFilters",
    "LogStatus",
    "LogStore",
    "LogsDatabaseError",
    "as_store",
    "busy_timeout",
    "check_database_kind",
    "connect",
    "create_private_database",
    "data_items",
    "fts_query",
    "import_pending",
    "import_pending_records",
    "is_logs_database",
    "keep_response",
    "latest_conversation_id",
    "load_conversation",
    "log_or_keep",
    "log_response",
    "migrate",
    "open_db",
    "pending_path",
    "rejected_path",
    "store_fragment",
]
