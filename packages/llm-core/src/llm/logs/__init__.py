"""The logs store: every prompt and response in ``logs.db`` (spec: logging.md).

- :func:`open_db` opens (and creates or migrates) a logs database.
- :func:`log_response` writes one response in one transaction.
- :func:`load_conversation` rebuilds a conversation so it can be continued.
- :class:`LogStore` wraps one database: log responses, read conversations back.
"""

from .connection import (
    BUSY_TIMEOUT_SECONDS,
    LogsDatabaseError,
    busy_timeout,
    check_database_kind,
    connect,
    is_logs_database,
    open_db,
    open_existing,
    create_private_database,
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
from .store import LogStore
from .write import log_response, store_fragment

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "LogsDatabaseError",
    "LogStore",
    "busy_timeout",
    "check_database_kind",
    "ImportResult",
    "import_pending_records",
    "is_logs_database",
    "create_private_database",
    "rejected_path",
    "SCHEMA_VERSION",
    "connect",
    "import_pending",
    "keep_response",
    "latest_conversation_id",
    "log_or_keep",
    "pending_path",
    "store_fragment",
    "load_conversation",
    "log_response",
    "migrate",
    "open_db",
    "open_existing",
]
