"""Chains: prompt, run the tools the model asks for, send results back, repeat.

A chain stops when a response asks for no tools or after ``chain_limit``
responses (0 = no limit). Iterating a chain streams the text of every
response in it.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Iterator, Optional

DEFAULT_CHAIN_LIMIT = 5


class _BaseChain:
    def __init__(self, model: Any, prompt: Optional[str] = None, *, conversation: Any = None,
                 before_call: Any = None, after_call: Any = None, chain_limit: Optional[int] = DEFAULT_CHAIN_LIMIT,
                 **kwargs: Any) -> None:
        self.model = model
        self.prompt = prompt
        self.conversation = conversation or model.conversation()
        self.before_call = before_call
        self.after_call = after_call
        self.chain_limit = DEFAULT_CHAIN_LIMIT if chain_limit is None else chain_limit
        self.kwargs = kwargs
        self._responses: list[Any] = []

    def _follow_up_kwargs(self) -> dict[str, Any]:
        """What later turns keep from the first: system, tools, options, key."""
        keep = {k: v for k, v in self.kwargs.items()
                if k not in ("messages", "attachments", "fragments", "tool_results")}
        return keep

    def _limit_reached(self, count: int) -> bool:
        return bool(self.chain_limit) and count >= self.chain_limit

    def _pending_from_messages(self) -> Any:
        """With ``messages=`` ending in tool calls that have no results yet: that response."""
        messages = self.kwargs.get("messages") or []
        if not messages or getattr(messages[-1], "role", None) != "assistant":
            return None
        return True


class ChainResponse(_BaseChain):
    def responses(self) -> Iterator[Any]:
        kwargs = dict(self.kwargs)
        pending = None
        if self._pending_from_messages():
            # Build the history, then only execute the unresolved calls of the last turn.
            self.conversation, _ = self.model._from_messages(self.conversation, kwargs)
            pending = self.conversation.responses[-1]
        if pending is not None:
            results = pending.execute_tool_calls(before_call=self.before_call, after_call=self.after_call)
            kwargs.pop("messages", None)
            response = self.conversation.prompt(self.prompt, tool_results=results, **kwargs)
        else:
            response = self.conversation.prompt(self.prompt, **kwargs)
        count = 0
        while True:
            self._responses.append(response)
            yield response
            count += 1
            results = response.execute_tool_calls(before_call=self.before_call, after_call=self.after_call)
            if not results or self._limit_reached(count):
                return
            response = self.conversation.prompt(None, tool_results=results, **self._follow_up_kwargs())

    def __iter__(self) -> Iterator[str]:
        for response in self.responses():
            yield from response

    def text(self) -> str:
        return "".join(self)

    def __str__(self) -> str:
        return self.text()

    def log_to_db(self, db: Any) -> None:
        for response in self._responses:
            response.log_to_db(db)


class AsyncChainResponse(_BaseChain):
    async def responses(self) -> AsyncIterator[Any]:
        kwargs = dict(self.kwargs)
        pending = None
        if self._pending_from_messages():
            self.conversation, _ = self.model._from_messages(self.conversation, kwargs)
            pending = self.conversation.responses[-1]
        if pending is not None:
            results = await pending.execute_tool_calls(before_call=self.before_call, after_call=self.after_call)
            kwargs.pop("messages", None)
            response = self.conversation.prompt(self.prompt, tool_results=results, **kwargs)
        else:
            response = self.conversation.prompt(self.prompt, **kwargs)
        count = 0
        while True:
            self._responses.append(response)
            yield response
            count += 1
            results = await response.execute_tool_calls(before_call=self.before_call, after_call=self.after_call)
            if not results or self._limit_reached(count):
                return
            response = self.conversation.prompt(None, tool_results=results, **self._follow_up_kwargs())

    def __aiter__(self) -> AsyncIterator[str]:
        return self._text_chunks()

    async def _text_chunks(self) -> AsyncIterator[str]:
        async for response in self.responses():
            async for chunk in response:
                yield chunk

    async def text(self) -> str:
        return "".join([chunk async for chunk in self])

    async def log_to_db(self, db: Any) -> None:
        for response in self._responses:
            (await response.to_sync_response()).log_to_db(db)
