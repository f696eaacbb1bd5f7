"""The logs store: every prompt and response in ``logs.db`` (spec: logging.md).

- :func:`open_db` opens (and creates or migrates) a logs database.
- :func:`log_response` writes one response in one transaction.
- :func:`load_conversation` rebuilds a conversation so it can be continued.
- :class:`LogStore` wraps one database: log responses, read conversations back.
"""

from .connection import BUSY_TIMEOUT_SECONDS, LogsDatabaseError, busy_timeout, connect, open_db
from .migrations import SCHEMA_VERSION, migrate
from .read import latest_conversation_id, load_conversation
from .recovery import import_pending, keep_response, log_or_keep, pending_path
from .store import LogStore
from .write import log_response, store_fragment

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "LogsDatabaseError",
    "LogStore",
    "busy_timeout",
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
]
