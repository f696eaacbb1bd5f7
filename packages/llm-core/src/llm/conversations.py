"""Conversations: a sequence of responses a model sees as history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from .utils import new_id

if TYPE_CHECKING:
    from .models import _BaseModel
    from .responses import AsyncResponse, Response


class _BaseConversation:
    def __init__(self, model: "_BaseModel", id: Optional[str] = None, name: Optional[str] = None,
                 responses: Optional[list[Any]] = None, tools: Optional[list[Any]] = None) -> None:
        self.model = model
        self.id = id or new_id()
        self.name = name
        self.responses: list[Any] = list(responses or [])
        self.tools = list(tools or [])

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__}: {self.id} - {len(self.responses)} responses>"


class Conversation(_BaseConversation):
    def prompt(self, prompt: Optional[str] = None, **kwargs: Any) -> "Response":
        """Like ``model.prompt()``, with this conversation's earlier responses as history."""
        if self.tools and "tools" not in kwargs:
            kwargs["tools"] = self.tools
        return self.model._make_response(prompt, conversation=self, **kwargs)  # type: ignore[attr-defined]

    def chain(self, prompt: Optional[str] = None, **kwargs: Any) -> Any:
        from .chains import ChainResponse

        kwargs.setdefault("tools", self.tools)
        return ChainResponse(self.model, prompt, conversation=self, **kwargs)


class AsyncConversation(_BaseConversation):
    def prompt(self, prompt: Optional[str] = None, **kwargs: Any) -> "AsyncResponse":
        if self.tools and "tools" not in kwargs:
            kwargs["tools"] = self.tools
        return self.model._make_response(prompt, conversation=self, **kwargs)  # type: ignore[attr-defined]

    def chain(self, prompt: Optional[str] = None, **kwargs: Any) -> Any:
        from .chains import AsyncChainResponse

        kwargs.setdefault("tools", self.tools)
        return AsyncChainResponse(self.model, prompt, conversation=self, **kwargs)
