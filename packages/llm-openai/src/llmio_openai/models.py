"""The OpenAI model classes: chat, completion and embeddings, sync and async.

These classes are also a public subclassing API (re-exported as
``llm.default_plugins.openai_models``): plugins for OpenAI-compatible providers
construct them with keyword arguments and override ``build_messages``,
``build_kwargs``, ``get_client``, ``needs_key`` or ``key_env_var``.

Requests go through our own client (:mod:`.api`), loaded on the first request;
a model whose class overrides ``get_client()``, Azure and proxies other than
``http://`` keep the ``openai`` SDK (:mod:`.client`), imported only then.
"""

from __future__ import annotations

import json
from typing import Any, AsyncGenerator, Iterable, Iterator, Optional

import llm
from llm.tools import partition_tools

from . import api as _api
from . import client as _client
from .errors import unexpected_response
from .messages import (
    AUDIO_TYPES,
    IMAGE_TYPES,
    PDF_TYPES,
    build_chat_messages,
    redact_data,
    schema_response_format,
    tool_definition,
)
from .options import CompletionOptions, Options, ReasoningOptions, SharedOptions

__all__ = [
    "Chat",
    "AsyncChat",
    "Completion",
    "AsyncCompletion",
    "OpenAIEmbeddingModel",
    "SharedOptions",
    "Options",
    "ReasoningOptions",
    "CompletionOptions",
    "combine_chunks",
    "redact_data",
    "not_nulls",
]


def not_nulls(data: Any) -> dict:
    """The options that were set, as a dict."""
    if data is None:
        return {}
    if hasattr(data, "model_dump"):
        data = data.model_dump()
    return {key: value for key, value in dict(data).items() if value is not None}


def _simplify_usage(usage: Optional[dict]) -> tuple[Optional[int], Optional[int], Optional[dict]]:
    if not usage:
        return None, None, None
    usage = dict(usage)
    input_tokens = usage.pop("prompt_tokens", None)
    output_tokens = usage.pop("completion_tokens", None)
    usage.pop("total_tokens", None)
    from llm.utils import simplify_usage_dict

    details = simplify_usage_dict(usage) or None
    return input_tokens, output_tokens, details


def _dump(obj: Any) -> Any:
    if obj is None:
        return None
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    return obj


def _checked(obj: Any, field: str) -> dict:
    """The response as a dict, or a ModelError when it is not the expected JSON
    (a proxy's HTML page served with status 200, say)."""
    return unexpected_response(_dump(obj), field)


class _ChunkCombiner:
    """Assembles streamed chat/completion chunks: text, tool calls, usage, JSON."""

    def __init__(self) -> None:
        self.content: list[str] = []
        self.tool_calls: dict[int, dict] = {}
        self.usage: Optional[dict] = None
        self.finish_reason: Optional[str] = None
        self.meta: dict[str, Any] = {}
        self.logprobs: list[dict] = []
        self.role: Optional[str] = None

    def add(self, chunk: dict) -> Optional[str]:
        """Take one chunk; return its text (if any)."""
        for key in ("id", "object", "model", "created", "system_fingerprint", "service_tier"):
            if chunk.get(key) is not None and key not in self.meta:
                self.meta[key] = chunk[key]
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        text_out: list[str] = []
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
            delta = choice.get("delta")
            if delta is None:  # a completion (not chat) chunk
                text = choice.get("text")
                if text:
                    text_out.append(text)
                logprobs = choice.get("logprobs") or {}
                for token, top in zip(logprobs.get("tokens") or [],
                                      logprobs.get("top_logprobs") or [], strict=False):
                    self.logprobs.append({"text": token, "top_logprobs": [top]})
                continue
            if delta.get("role"):
                self.role = delta["role"]
            if delta.get("content"):
                text_out.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                slot = self.tool_calls.setdefault(
                    call.get("index", 0), {"id": None, "name": None, "arguments": ""})
                if call.get("id"):
                    slot["id"] = call["id"]
                function = call.get("function") or {}
                if function.get("name"):
                    slot["name"] = function["name"]
                if function.get("arguments"):
                    slot["arguments"] += function["arguments"]
        text = "".join(text_out)
        if text:
            self.content.append(text)
        return text or None

    def response_json(self) -> dict:
        data: dict[str, Any] = {"content": "".join(self.content)}
        if self.role:
            data["role"] = self.role
        if self.finish_reason is not None:
            data["finish_reason"] = self.finish_reason
        data.update(self.meta)
        if self.tool_calls:
            data["tool_calls"] = [
                {"id": slot["id"], "type": "function",
                 "function": {"name": slot["name"], "arguments": slot["arguments"]}}
                for _, slot in sorted(self.tool_calls.items())
            ]
        if self.usage:
            data["usage"] = self.usage
        if self.logprobs:
            data["logprobs"] = self.logprobs
        return data


def combine_chunks(chunks: Iterable[Any]) -> dict:
    """One JSON document from a list of streamed chunks (dicts or client objects)."""
    combiner = _ChunkCombiner()
    for chunk in chunks:
        combiner.add(_dump(chunk))
    return combiner.response_json()


def _parse_arguments(arguments: str) -> Any:
    if not arguments:
        return {}
    try:
        return json.loads(arguments)
    except ValueError:
        return arguments


def _record_tool_calls(response: Any, calls: Iterable[dict]) -> None:
    tool_call_class = getattr(llm, "ToolCall", None)
    for call in calls:
        arguments = _parse_arguments(call.get("arguments") or "")
        if tool_call_class is not None:
            tool_call = tool_call_class(name=call.get("name"), arguments=arguments,
                                        tool_call_id=call.get("id"))
        else:
            tool_call = {"name": call.get("name"), "arguments": arguments,
                         "tool_call_id": call.get("id")}
        response.add_tool_call(tool_call)


# -- shared machinery ----------------------------------------------------------


class _Shared:
    """State and request building shared by every OpenAI model class."""

    needs_key: Optional[str] = "openai"
    key_env_var: Optional[str] = "OPENAI_API_KEY"
    default_max_tokens: Optional[int] = None

    def __init__(
        self,
        model_id: str,
        key: Optional[str] = None,
        model_name: Optional[str] = None,
        api_base: Optional[str] = None,
        api_type: Optional[str] = None,
        api_version: Optional[str] = None,
        api_engine: Optional[str] = None,
        headers: Optional[dict] = None,
        can_stream: bool = True,
        vision: bool = False,
        audio: bool = False,
        reasoning: bool = False,
        supports_schema: bool = False,
        supports_tools: bool = False,
        allows_system_prompt: bool = True,
        pdf: bool = False,
        verbosity: bool = False,
    ) -> None:
        # What this model was built with: a Responses model builds its chat twin from it.
        self._init_kwargs = {key: value for key, value in locals().items()
                             if key not in ("self", "__class__") and value is not None}
        self.model_id = model_id
        if key is not None:  # else a subclass's class-level key stands (llm-llama-server)
            self.key = key
        self.model_name = model_name
        self.api_base = api_base
        self.api_type = api_type
        self.api_version = api_version
        self.api_engine = api_engine
        self.headers = headers
        self.can_stream = can_stream
        self.vision = vision
        self.audio = audio
        self.reasoning = reasoning
        self.supports_schema = supports_schema
        self.supports_tools = supports_tools
        self.allows_system_prompt = allows_system_prompt
        self.verbosity = verbosity
        attachment_types: set[str] = set()
        if vision:
            attachment_types |= IMAGE_TYPES
        if audio:
            attachment_types |= AUDIO_TYPES
        if pdf:
            attachment_types |= PDF_TYPES
        self.attachment_types = attachment_types
        if reasoning and type(self).Options is Options:
            self.Options = ReasoningOptions  # type: ignore[misc]

    def __str__(self) -> str:
        return f"OpenAI Chat: {self.model_id}"

    # -- what subclasses override ------------------------------------------

    def get_client(self, key: Optional[str], *, async_: bool = False) -> Any:
        """An ``openai`` client for this model's endpoint (``key=None``: send none)."""
        return _client.make_client(
            key=key, api_base=self.api_base, headers=self.headers, api_type=self.api_type,
            api_version=self.api_version, api_engine=self.api_engine, async_=async_)

    def build_messages(self, prompt: Any, conversation: Any) -> list[dict]:
        return build_chat_messages(prompt, conversation,
                                   allows_system_prompt=self.allows_system_prompt)

    def build_kwargs(self, prompt: Any, stream: bool) -> dict:
        """Request parameters other than ``model``, ``messages`` and ``stream``."""
        kwargs = not_nulls(prompt.options)
        json_object = kwargs.pop("json_object", None)
        # Options of the Responses models that have no chat equivalent.
        kwargs.pop("chat_completions", None)
        kwargs.pop("image_detail", None)
        if "reasoning_effort" in kwargs:
            kwargs["reasoning_effort"] = getattr(kwargs["reasoning_effort"], "value", kwargs["reasoning_effort"])
        if "max_tokens" not in kwargs and self.default_max_tokens is not None:
            kwargs["max_tokens"] = self.default_max_tokens
        if "max_tokens" in kwargs and self._uses_max_completion_tokens():
            kwargs["max_completion_tokens"] = kwargs.pop("max_tokens")
        if json_object:
            kwargs["response_format"] = {"type": "json_object"}
        schema = getattr(prompt, "schema", None)
        if schema:
            kwargs["response_format"] = schema_response_format(schema)
        tools = getattr(prompt, "tools", None)
        if tools:
            function_tools, _ = partition_tools(self, tools)
            kwargs["tools"] = [tool_definition(tool) for tool in function_tools]
        if stream:
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs

    def set_usage(self, response: Any, usage: Any) -> None:
        input_tokens, output_tokens, details = _simplify_usage(_dump(usage))
        if input_tokens is None and output_tokens is None and details is None:
            return
        response.set_usage(input=input_tokens, output=output_tokens, details=details)

    # -- helpers -------------------------------------------------------------

    def _uses_max_completion_tokens(self) -> bool:
        name = (self.model_name or self.model_id).split("/")[-1]
        return bool(self.reasoning) or name.startswith(("o1", "o3", "o4"))

    def _api_model_name(self) -> str:
        return self.model_name or self.model_id

    def _resolve_key(self, key: Optional[str]) -> Optional[str]:
        """The key to send: the one the core resolved, else none at all."""
        if key:
            return key
        if self.needs_key:
            return self.get_key()  # type: ignore[attr-defined]
        return None

    def _request(self, key: Optional[str], **request: Any) -> dict:
        """The SDK request: without a key, the SDK's Authorization header is dropped."""
        if not key:
            headers = dict(request.get("extra_headers") or {})
            headers.update(_client.omit_auth_header())
            request["extra_headers"] = headers
        return request

    def _finish_stream(self, combiner: _ChunkCombiner, done: bool, response: Any) -> None:
        if not done and combiner.finish_reason is None:
            raise _client.StreamEndedEarly(
                "The response stream ended before it was complete "
                "(no finish_reason and no [DONE] marker)")
        self._record(combiner.response_json(), combiner.usage, response,
                     tool_calls=combiner.response_json().get("tool_calls") or [])

    def _record(self, response_json: dict, usage: Any, response: Any,
                tool_calls: Iterable[dict] = ()) -> None:
        response.response_json = response_json
        self.set_usage(response, usage)
        model = response_json.get("model")
        if model and model != self._api_model_name() and hasattr(response, "set_resolved_model"):
            response.set_resolved_model(model)
        calls = [
            {"id": call.get("id"), "name": (call.get("function") or {}).get("name"),
             "arguments": (call.get("function") or {}).get("arguments") or ""}
            for call in tool_calls or []
        ]
        if calls:
            _record_tool_calls(response, calls)

    def _record_result(self, result: Any, response: Any) -> Optional[str]:
        """Record a non-streamed result; return its text."""
        data = _checked(result, "choices")
        choices = data.get("choices") or [{}]
        message = choices[0].get("message") or {}
        self._record(data, data.get("usage"), response, message.get("tool_calls") or [])
        return message.get("content")

    def _set_prompt_json(self, prompt: Any, messages: list[Any]) -> None:
        try:
            prompt.prompt_json = redact_data({"messages": messages})
        except AttributeError:
            pass

    def _prepare(self, prompt: Any, stream: bool, conversation: Any,
                 key: Optional[str]) -> tuple[Optional[str], dict]:
        """(the key to send, the request): shared by every execute()."""
        key = self._resolve_key(key)
        messages = self.build_messages(prompt, conversation)
        kwargs = self.build_kwargs(prompt, stream)
        self._set_prompt_json(prompt, messages)
        request = dict(model=self._api_model_name(), stream=stream,
                       **self._payload(messages), **kwargs)
        return key, request

    def _payload(self, messages: list[Any]) -> dict:
        return {"messages": messages}

    #: The endpoint, relative to the API's base URL.
    _endpoint = "chat/completions"

    def _resource(self, client: Any) -> Any:
        return client.chat.completions

    def _owns_clients(self) -> bool:
        # A subclass with its own get_client() may reuse its clients: leave them open.
        return type(self).get_client is _Shared.get_client

    def _api_client(self, key: Optional[str], *, async_: bool = False) -> Any:
        """Our client for this model's endpoint, or None when the SDK serves it: a
        class with its own ``get_client()`` gets the SDK client it builds."""
        if not self._owns_clients() or self.api_type == "azure":
            return None
        return _api.open_client(key=key, api_base=self.api_base, headers=self.headers,
                                async_=async_)

    def _run(self, key: Optional[str], request: dict, response: Any) -> Iterator[str]:
        client = self._api_client(key)
        if client is None:
            yield from self._run_sdk(key, request, response)
            return
        body, options = _api.split_request(request)
        if not body["stream"]:
            text = self._record_result(client.post(self._endpoint, body, **options), response)
            if text:
                yield text
            return
        combiner = _ChunkCombiner()
        with client.stream(self._endpoint, body, **options) as events:
            for event in events:
                text = combiner.add(event)
                if text:
                    yield text
        self._finish_stream(combiner, events.done, response)

    async def _arun(self, key: Optional[str], request: dict,
                    response: Any) -> AsyncGenerator[str, None]:
        client = self._api_client(key, async_=True)
        if client is None:
            async for text in self._arun_sdk(key, request, response):
                yield text
            return
        body, options = _api.split_request(request)
        if not body["stream"]:
            text = self._record_result(await client.post(self._endpoint, body, **options),
                                       response)
            if text:
                yield text
            return
        combiner = _ChunkCombiner()
        async with client.stream(self._endpoint, body, **options) as events:
            async for event in events:
                text = combiner.add(event)
                if text:
                    yield text
        self._finish_stream(combiner, events.done, response)

    def _run_sdk(self, key: Optional[str], request: dict, response: Any) -> Iterator[str]:
        request = self._request(key, **request)
        client = self.get_client(key)
        try:
            resource = self._resource(client)
            with _client.translate_errors(_url_of(self, client), key):
                if not request["stream"]:
                    text = self._record_result(resource.create(**request), response)
                    if text:
                        yield text
                    return
                combiner = _ChunkCombiner()
                state = _client.SSEState()
                with resource.with_streaming_response.create(**request) as raw:
                    for event in _client.iter_sse(raw.iter_lines(), state):
                        text = combiner.add(event)
                        if text:
                            yield text
                self._finish_stream(combiner, state.done, response)
        finally:
            if self._owns_clients():
                client.close()

    async def _arun_sdk(self, key: Optional[str], request: dict,
                        response: Any) -> AsyncGenerator[str, None]:
        request = self._request(key, **request)
        client = self.get_client(key, async_=True)
        try:
            resource = self._resource(client)
            with _client.translate_errors(_url_of(self, client), key):
                if not request["stream"]:
                    text = self._record_result(await resource.create(**request), response)
                    if text:
                        yield text
                    return
                combiner = _ChunkCombiner()
                state = _client.SSEState()
                async with resource.with_streaming_response.create(**request) as raw:
                    async for event in _client.aiter_sse(raw.iter_lines(), state):
                        text = combiner.add(event)
                        if text:
                            yield text
                self._finish_stream(combiner, state.done, response)
        finally:
            if self._owns_clients():
                await client.close()


def _url_of(model: Any, client: Any) -> Any:
    return getattr(client, "base_url", None) or model.api_base


# -- chat ----------------------------------------------------------------------


class Chat(_Shared, llm.KeyModel):
    """A chat completion model (``/v1/chat/completions``)."""

    Options = Options

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any = None,
                key: Optional[str] = None) -> Iterator[str]:
        key, request = self._prepare(prompt, stream, conversation, key)
        yield from self._run(key, request, response)


class AsyncChat(_Shared, llm.AsyncKeyModel):
    """The async twin of :class:`Chat`."""

    Options = Options

    async def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any = None,
                      key: Optional[str] = None) -> AsyncGenerator[str, None]:
        key, request = self._prepare(prompt, stream, conversation, key)
        async for chunk in self._arun(key, request, response):
            yield chunk


# -- completion ----------------------------------------------------------------


class _CompletionShared(_Shared):
    def __init__(self, *args: Any, default_max_tokens: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_max_tokens = default_max_tokens
        self.attachment_types = set()

    def __str__(self) -> str:
        return f"OpenAI Completion: {self.model_id}"

    def _uses_max_completion_tokens(self) -> bool:
        return False

    def build_messages(self, prompt: Any, conversation: Any) -> list[str]:
        """The earlier prompts and replies, then this prompt (joined into one text)."""
        if prompt.system:
            raise llm.ModelError("System prompts are not supported for OpenAI completion models")
        messages: list[str] = []
        if conversation is not None:
            for previous in conversation.responses:
                messages.append(previous.prompt.prompt or "")
                messages.append(previous.text_or_raise())
        messages.append(prompt.prompt or "")
        return messages

    def build_kwargs(self, prompt: Any, stream: bool) -> dict:
        kwargs = super().build_kwargs(prompt, stream)
        kwargs.pop("tools", None)
        kwargs.pop("response_format", None)
        return kwargs

    def _payload(self, messages: list[Any]) -> dict:
        return {"prompt": "\n".join(messages)}

    _endpoint = "completions"

    def _resource(self, client: Any) -> Any:
        return client.completions

    def _record_result(self, result: Any, response: Any) -> Optional[str]:
        combiner = _ChunkCombiner()
        combiner.add(_checked(result, "choices"))
        data = combiner.response_json()
        self._record(data, data.get("usage"), response)
        return data["content"] or None

    def _set_prompt_json(self, prompt: Any, messages: list[Any]) -> None:
        try:
            prompt.prompt_json = {"prompt": "\n".join(messages)}
        except AttributeError:
            pass


class Completion(_CompletionShared, llm.KeyModel):
    """A completion model (``/v1/completions``), e.g. ``gpt-3.5-turbo-instruct``."""

    Options = CompletionOptions

    def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any = None,
                key: Optional[str] = None) -> Iterator[str]:
        key, request = self._prepare(prompt, stream, conversation, key)
        yield from self._run(key, request, response)


class AsyncCompletion(_CompletionShared, llm.AsyncKeyModel):
    """The async twin of :class:`Completion`."""

    Options = CompletionOptions

    async def execute(self, prompt: Any, stream: bool, response: Any, conversation: Any = None,
                      key: Optional[str] = None) -> AsyncGenerator[str, None]:
        key, request = self._prepare(prompt, stream, conversation, key)
        async for chunk in self._arun(key, request, response):
            yield chunk


# -- embeddings ----------------------------------------------------------------


class OpenAIEmbeddingModel(llm.EmbeddingModel):
    """An OpenAI embedding model; ``dimensions`` truncates ``text-embedding-3-*`` vectors."""

    needs_key = "openai"
    key_env_var = "OPENAI_API_KEY"
    batch_size = 100
    # Each batch is one HTTP request (on a kept-alive connection when one is idle):
    # eight in flight hide the round trip without crowding the API's rate limits.
    parallel_batches = 8

    def __init__(self, model_id: str, openai_model_id: Optional[str] = None,
                 dimensions: Optional[int] = None, *, api_base: Optional[str] = None,
                 headers: Optional[dict] = None, key: Optional[str] = None) -> None:
        self.model_id = model_id
        self.openai_model_id = openai_model_id or model_id
        self.dimensions = dimensions
        self.api_base = api_base
        self.headers = headers
        self.key = key

    def __str__(self) -> str:
        return f"OpenAIEmbeddingModel: {self.model_id}"

    def get_client(self, key: Optional[str], *, async_: bool = False) -> Any:
        return _client.make_client(key=key, api_base=self.api_base, headers=self.headers,
                                   async_=async_)

    def embed_batch(self, items: Iterable[Any]) -> Iterator[list[float]]:
        key = self.get_key() if self.needs_key else None
        kwargs: dict[str, Any] = {
            "input": list(items),
            "model": self.openai_model_id,
            "encoding_format": "float",
        }
        if self.dimensions:
            kwargs["dimensions"] = self.dimensions
        client = None
        if type(self).get_client is OpenAIEmbeddingModel.get_client:
            client = _api.open_client(key=key, api_base=self.api_base, headers=self.headers)
        results = (client.post("embeddings", kwargs) if client is not None
                   else self._embed_sdk(key, kwargs))
        data = sorted(_checked(results, "data")["data"], key=lambda item: item.get("index", 0))
        return iter([[float(value) for value in item["embedding"]] for item in data])

    def _embed_sdk(self, key: Optional[str], kwargs: dict) -> Any:
        client = self.get_client(key)
        if not key:
            kwargs["extra_headers"] = _client.omit_auth_header()
        try:
            with _client.translate_errors(_url_of(self, client), key):
                return client.embeddings.create(**kwargs)
        finally:
            if type(self).get_client is OpenAIEmbeddingModel.get_client:
                client.close()
