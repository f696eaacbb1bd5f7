"""Responses: lazy, streaming results of a prompt, sync and async.

Nothing runs until the response is consumed (iterated, ``text()``, ``str()``,
``usage()``, ``json()``). Chunks are kept, so a response can be read again.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
import time
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterator, Optional

from .prompts import Prompt
from .usage import Usage
from .utils import new_id

if TYPE_CHECKING:
    from .conversations import _BaseConversation
    from .models import _BaseModel


def _execute_arguments(model: Any, response: "_BaseResponse") -> tuple[list[Any], dict[str, Any]]:
    """Arguments for ``model.execute``: plugins written for older releases omit ``conversation``."""
    try:
        params = list(inspect.signature(model.execute).parameters)
    except (TypeError, ValueError):
        params = ["prompt", "stream", "response", "conversation"]
    stream = bool(response.stream and model.can_stream)
    args: list[Any] = [response.prompt, stream, response]
    kwargs: dict[str, Any] = {}
    if "conversation" in params or len(params) >= 4:
        args.append(response.conversation)
    if getattr(model, "needs_key", None) and "key" in params:
        kwargs["key"] = model.get_key(response._key)
    return args, kwargs


class _BaseResponse:
    """State shared by sync and async responses."""

    prompt: Prompt
    model: "_BaseModel"

    def __init__(
        self,
        prompt: Prompt,
        model: "_BaseModel",
        stream: bool,
        conversation: Optional["_BaseConversation"] = None,
        key: Optional[str] = None,
    ) -> None:
        self.id = new_id()
        self.prompt = prompt
        self.model = model
        self.stream = stream
        self.conversation = conversation
        self._key = key
        self._chunks: list[str] = []
        self._done = False
        self._started = False
        #: True when the response stopped early (interrupt, error, cut stream).
        self.incomplete = False
        self.response_json: Any = None
        self.input_tokens: Optional[int] = None
        self.output_tokens: Optional[int] = None
        self.token_details: Optional[dict[str, Any]] = None
        self.resolved_model: Optional[str] = None
        self.done_callbacks: list[Callable[..., Any]] = []
        self._start: Optional[float] = None
        self._end: Optional[float] = None
        self._start_utcnow: Optional[datetime.datetime] = None
        self._tool_calls: list[Any] = []

    # -- what plugins call from execute() -----------------------------------

    def set_usage(self, *, input: Optional[int] = None, output: Optional[int] = None,
                  details: Optional[dict[str, Any]] = None) -> None:
        self.input_tokens = input
        self.output_tokens = output
        self.token_details = details

    def set_resolved_model(self, model_id: str) -> None:
        self.resolved_model = model_id

    def add_tool_call(self, tool_call: Any) -> None:
        self._tool_calls.append(tool_call)

    # -- reading ------------------------------------------------------------

    @property
    def attachments(self) -> list[Any]:
        return self.prompt.attachments

    def _usage(self) -> Usage:
        return Usage(input=self.input_tokens, output=self.output_tokens, details=self.token_details)

    def _begin(self) -> None:
        self._started = True
        self._start = time.monotonic()
        self._start_utcnow = datetime.datetime.now(datetime.timezone.utc)

    def _finish(self, complete: bool) -> None:
        self._end = time.monotonic()
        self.incomplete = not complete
        self._done = True
        if self.conversation is not None and self not in self.conversation.responses:
            self.conversation.responses.append(self)

    def duration_ms(self) -> int:
        if self._start is None or self._end is None:
            return 0
        return int((self._end - self._start) * 1000)

    def datetime_utc(self) -> str:
        when = self._start_utcnow or datetime.datetime.now(datetime.timezone.utc)
        return when.isoformat()

    def text_or_raise(self) -> str:
        if not self._done:
            raise ValueError("Response has not been evaluated yet")
        return "".join(self._chunks)

    def log_to_db(self, db: Any) -> None:
        """Record this response (and its conversation, attachments) in a logs database."""
        from .logs import log_response

        log_response(db, self)

    @classmethod
    def fake(cls, model: "_BaseModel", prompt: str, *attachments: Any, system: Optional[str] = None,
             response: Optional[str] = None) -> Any:
        """A completed response, for tests of plugins that rebuild history."""
        # Also accept the documented positional form fake(model, prompt, system, response).
        if response is None and system is None and len(attachments) == 2 and all(
            isinstance(a, (str, type(None))) for a in attachments
        ):
            system, response = attachments  # type: ignore[assignment]
            attachments = ()
        prompt_obj = Prompt(prompt, model=model, system=system, attachments=list(attachments))
        fake = cls(prompt_obj, model, stream=False)
        fake._chunks = [response or ""]
        fake._done = True
        fake._started = True
        return fake

    def _repr_text(self) -> str:
        return "".join(self._chunks) if self._done else "... not yet done ..."

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} prompt={self.prompt.prompt!r} text={self._repr_text()!r}>"


class Response(_BaseResponse):
    def __iter__(self) -> Iterator[str]:
        if self._done or self._started:
            yield from list(self._chunks)
            if self._done:
                return
        self._begin()
        complete = False
        try:
            args, kwargs = _execute_arguments(self.model, self)
            result = self.model.execute(*args, **kwargs)
            for chunk in result or ():
                if chunk is None:
                    continue
                if not isinstance(chunk, str):
                    chunk = str(chunk)
                self._chunks.append(chunk)
                yield chunk
            complete = True
        finally:
            self._finish(complete)
        self._run_callbacks()

    def _force(self) -> None:
        if not self._done:
            for _ in self:
                pass

    def _run_callbacks(self) -> None:
        callbacks, self.done_callbacks = self.done_callbacks, []
        for callback in callbacks:
            callback(self)

    def on_done(self, callback: Callable[["Response"], Any]) -> None:
        """Call ``callback(response)`` once all of the response has arrived."""
        if self._done:
            callback(self)
        else:
            self.done_callbacks.append(callback)

    def text(self) -> str:
        self._force()
        return "".join(self._chunks)

    def __str__(self) -> str:
        return self.text()

    def json(self) -> Any:
        self._force()
        return self.response_json

    def usage(self) -> Usage:
        self._force()
        return self._usage()

    def tool_calls(self) -> list[Any]:
        self._force()
        return list(self._tool_calls)


class AsyncResponse(_BaseResponse):
    def __aiter__(self) -> AsyncIterator[str]:
        return self._aiter()

    async def _aiter(self) -> AsyncIterator[str]:
        if self._done or self._started:
            for chunk in list(self._chunks):
                yield chunk
            if self._done:
                return
        self._begin()
        complete = False
        try:
            args, kwargs = _execute_arguments(self.model, self)
            result = self.model.execute(*args, **kwargs)
            if inspect.isawaitable(result) and not hasattr(result, "__aiter__"):
                result = await result
            if hasattr(result, "__aiter__"):
                async for chunk in result:
                    if chunk is None:
                        continue
                    self._chunks.append(str(chunk))
                    yield str(chunk)
            else:
                for chunk in result or ():
                    if chunk is None:
                        continue
                    self._chunks.append(str(chunk))
                    yield str(chunk)
            complete = True
        finally:
            self._finish(complete)
        await self._run_callbacks()

    async def _force(self) -> "AsyncResponse":
        if not self._done:
            async for _ in self:
                pass
        return self

    def __await__(self):
        return self._force().__await__()

    async def _run_callbacks(self) -> None:
        callbacks, self.done_callbacks = self.done_callbacks, []
        for callback in callbacks:
            result = callback(self)
            if inspect.isawaitable(result):
                await result

    async def on_done(self, callback: Callable[["AsyncResponse"], Any]) -> None:
        if self._done:
            result = callback(self)
            if inspect.isawaitable(result):
                await result
        else:
            self.done_callbacks.append(callback)

    async def text(self) -> str:
        await self._force()
        return "".join(self._chunks)

    async def json(self) -> Any:
        await self._force()
        return self.response_json

    async def usage(self) -> Usage:
        await self._force()
        return self._usage()

    async def tool_calls(self) -> list[Any]:
        await self._force()
        return list(self._tool_calls)

    def __str__(self) -> str:
        if self._done:
            return "".join(self._chunks)
        return f"<AsyncResponse prompt={self.prompt.prompt!r} (not yet awaited)>"

    async def to_sync_response(self) -> Response:
        """A completed sync Response with the same content (for logging)."""
        await self._force()
        sync = Response(self.prompt, self.model, self.stream, conversation=None, key=self._key)
        for name in ("id", "_chunks", "_done", "_started", "incomplete", "response_json",
                     "input_tokens", "output_tokens", "token_details", "resolved_model",
                     "_start", "_end", "_start_utcnow", "_tool_calls"):
            setattr(sync, name, getattr(self, name))
        sync.conversation = self.conversation
        return sync


def run_sync(coro: Any) -> Any:
    """Run a coroutine to completion from sync code."""
    return asyncio.run(coro)
