"""``LogStore``: one logs database as an object, for code that logs and reads back.

Plugins' test suites (and Python users) log a response and read a conversation
back as messages, the form ``prompt.messages`` takes, without going through the
CLI. Each turn is its logged prompt, tool calls and results and the response text;
reasoning is not stored in logs.db, so it does not come back.
"""

from __future__ import annotations

from typing import Any, Optional

from .connection import as_connection, open_db
from .migrations import migrate
from .read import load_conversation
from .write import log_response


class LogStore:
    """A logs database: a path, a sqlite3 connection or a sqlite-utils Database
    (migrated on first use); the user's logs.db when none is given."""

    def __init__(self, db: Any = None) -> None:
        self.conn = open_db() if db is None else as_connection(db)
        migrate(self.conn)

    def log(self, response: Any) -> str:
        """Write one finished response (and its conversation); return its ID."""
        log_response(self.conn, response)
        return response.id

    def conversation(self, conversation_id: Optional[str] = None, *, model: Any = None,
                     async_: bool = False) -> Any:
        """The conversation, ready to continue (the latest without an ID), or None."""
        return load_conversation(self.conn, conversation_id, model=model, async_=async_)

    def conversation_messages(self, conversation_id: Optional[str] = None, *, model: Any = None) -> list[Any]:
        """Every turn of a logged conversation as ``llm.parts.Message`` objects."""
        from ..history import history_messages

        conversation = self.conversation(conversation_id, model=model)
        if conversation is None:
            raise KeyError(f"No conversation found with id={conversation_id}")
        return history_messages(conversation.responses)

    #: A conversation is what upstream's storage calls a thread.
    thread_messages = conversation_messages

    def close(self) -> None:
        self.conn.close()
