"""Model base classes that plugins subclass (spec: plugins/*.md)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, AsyncGenerator, Iterable, Iterator, Optional, Sequence

from .attachments import Attachment
from .config import resolve_key_for
from .conversations import AsyncConversation, Conversation
from .errors import AttachmentError
from .options import Options
from .prompts import Prompt
from .responses import AsyncResponse, Response
from .tools import (
    CancelToolCall,
    PauseChain,
    ServerSideTool,
    Tool,
    ToolCall,
    Toolbox,
    ToolOutput,
    ToolResult,
    partition_tools as _partition_tools,  # noqa: F401 - upstream private path plugins import
)
from .usage import Usage

__all__ = [
    "Model", "KeyModel", "AsyncModel", "AsyncKeyModel", "Options", "Prompt", "Response",
    "AsyncResponse", "Conversation", "AsyncConversation", "Attachment", "Tool", "Toolbox",
    "ToolCall", "ToolResult", "ToolOutput", "CancelToolCall", "PauseChain", "Usage", "ServerSideTool",
]


class _BaseModel(ABC):
    model_id: str
    model_name: Optional[str] = None
    key: Optional[str] = None
    needs_key: Optional[str] = None
    key_env_var: Optional[str] = None
    can_stream: bool = False
    attachment_types: set[str] = set()
    supports_schema: bool = False
    supports_tools: bool = False
    #: ServerSideTool subclasses this model sends to its provider.
    supported_server_side_tools: tuple[type, ...] = ()

    class Options(Options):
        pass

    def get_key(self, explicit_key: Optional[str] = None) -> Optional[str]:
        """The API key to use, or NeedsKeyError saying how to provide one."""
        return resolve_key_for(self, explicit_key)

    def _validate_attachments(self, attachments: Sequence[Attachment]) -> None:
        for attachment in attachments:
            if not self.attachment_types:
                raise AttachmentError(f"This model does not support attachments, but {attachment.describe()} was given")
            kind = attachment.resolve_type()
            if kind not in self.attachment_types:
                allowed = ", ".join(sorted(self.attachment_types))
                raise AttachmentError(
                    f"This model does not support attachments of type '{kind}', only {allowed}"
                )

    def _build_prompt(self, prompt: Optional[str], *, fragments: Optional[Sequence[str]] = None,
                      attachments: Optional[Sequence[Attachment]] = None, system: Optional[str] = None,
                      system_fragments: Optional[Sequence[str]] = None, schema: Any = None,
                      tools: Optional[Sequence[Any]] = None, tool_results: Optional[Sequence[Any]] = None,
                      options: Optional[dict[str, Any]] = None, messages: Optional[Sequence[Any]] = None,
                      hide_reasoning: bool = False, **kwargs: Any) -> Prompt:
        attachments = list(attachments or [])
        self._validate_attachments(attachments)
        if schema is not None and not self.supports_schema:
            raise ValueError(f"Model {self.model_id} does not support schemas")
        merged = dict(options or {})
        merged.update(kwargs)
        return Prompt(prompt, self, fragments=fragments, attachments=attachments, system=system,
                      system_fragments=system_fragments, options=self.Options(**merged),
                      schema=schema, tools=tools, tool_results=tool_results, messages=messages,
                      hide_reasoning=hide_reasoning)

    def _prompt_in(self, conversation: Any, prompt: Optional[str], kwargs: dict[str, Any]) -> tuple[Any, Prompt]:
        """(conversation, Prompt) for one turn, with the conversation's earlier turns as
        the prompt's history; ``messages=`` become history of their own first."""
        earlier = list(conversation.responses) if conversation is not None else []
        if kwargs.get("messages"):
            conversation, prompt = self._from_messages(conversation, kwargs)
        built = self._build_prompt(prompt, **kwargs)
        built._earlier = earlier
        return conversation, built

    def _from_messages(self, conversation: Any, kwargs: dict[str, Any]) -> tuple[Any, Optional[str]]:
        """Turn ``messages=`` into conversation history plus the final prompt's arguments."""
        from .messages_history import apply_messages

        return apply_messages(self, conversation, kwargs)

    def __str__(self) -> str:
        return f"{self.__class__.__name__}: {self.model_id}"

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} '{self.model_id}'>"


class _SyncModel(_BaseModel):
    def conversation(self, tools: Optional[Sequence[Any]] = None, **_: Any) -> Conversation:
        return Conversation(model=self, tools=list(tools or []))

    def _make_response(self, prompt: Optional[str] = None, *, conversation: Optional[Conversation] = None,
                       stream: bool = True, key: Optional[str] = None, **kwargs: Any) -> Response:
        conversation, built = self._prompt_in(conversation, prompt, kwargs)
        return Response(built, self, stream, conversation=conversation, key=key)

    def chain(self, prompt: Optional[str] = None, **kwargs: Any) -> Any:
        """Prompt, run the tools the model calls, send back the results, until it stops."""
        from .chains import ChainResponse

        return ChainResponse(self, prompt, **kwargs)

    def prompt(self, prompt: Optional[str] = None, *, stream: bool = True, key: Optional[str] = None,
               **kwargs: Any) -> Response:
        """A lazy Response; options may be keyword arguments or ``options={...}``."""
        return self._make_response(prompt, stream=stream, key=key, **kwargs)


class Model(_SyncModel):
    @abstractmethod
    def execute(self, prompt: Prompt, stream: bool, response: Response,
                conversation: Optional[Conversation] = None) -> Iterable[str]:
        """Yield the response text in chunks."""


class KeyModel(_SyncModel):
    @abstractmethod
    def execute(self, prompt: Prompt, stream: bool, response: Response,
                conversation: Optional[Conversation], key: Optional[str]) -> Iterable[str]:
        """Yield the response text in chunks; ``key`` is the resolved API key."""


class _AsyncModel(_BaseModel):
    def conversation(self, tools: Optional[Sequence[Any]] = None, **_: Any) -> AsyncConversation:
        return AsyncConversation(model=self, tools=list(tools or []))

    def _make_response(self, prompt: Optional[str] = None, *, conversation: Optional[AsyncConversation] = None,
                       stream: bool = True, key: Optional[str] = None, **kwargs: Any) -> AsyncResponse:
        conversation, built = self._prompt_in(conversation, prompt, kwargs)
        return AsyncResponse(built, self, stream, conversation=conversation, key=key)

    def chain(self, prompt: Optional[str] = None, **kwargs: Any) -> Any:
        from .chains import AsyncChainResponse

        return AsyncChainResponse(self, prompt, **kwargs)

    def prompt(self, prompt: Optional[str] = None, *, stream: bool = True, key: Optional[str] = None,
               **kwargs: Any) -> AsyncResponse:
        return self._make_response(prompt, stream=stream, key=key, **kwargs)


class AsyncModel(_AsyncModel):
    @abstractmethod
    def execute(self, prompt: Prompt, stream: bool, response: AsyncResponse,
                conversation: Optional[AsyncConversation] = None) -> AsyncGenerator[str, None]:
        """An async generator of text chunks."""


class AsyncKeyModel(_AsyncModel):
    @abstractmethod
    def execute(self, prompt: Prompt, stream: bool, response: AsyncResponse,
                conversation: Optional[AsyncConversation], key: Optional[str]) -> AsyncGenerator[str, None]:
        """An async generator of text chunks; ``key`` is the resolved API key."""


def is_async_model(model: Any) -> bool:
    return isinstance(model, _AsyncModel)


