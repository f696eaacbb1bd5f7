"""Embedding models and the float32 vector format (spec: embeddings/*.md)."""

from __future__ import annotations

import struct
from abc import ABC, abstractmethod
from itertools import islice
from typing import Iterable, Iterator, Optional, Sequence, Union

from .config import resolve_key_for

Embeddable = Union[str, bytes]


def encode(values: Sequence[float]) -> bytes:
    """Little-endian float32 bytes, as stored in embeddings.db."""
    return struct.pack("<" + "f" * len(values), *values)


def decode(binary: bytes) -> tuple[float, ...]:
    return struct.unpack("<" + "f" * (len(binary) // 4), binary)


class EmbeddingModel(ABC):
    model_id: str
    key: Optional[str] = None
    needs_key: Optional[str] = None
    key_env_var: Optional[str] = None
    supports_text: bool = True
    supports_binary: bool = False
    #: A model may set its own preferred batch size; ``embed_multi`` never exceeds it.
    batch_size: Optional[int] = None
    #: How many batches may be embedded at once from several threads (a remote API
    #: bound by latency); ``Collection.embed_multi`` sends that many in parallel.
    #: None: one at a time.
    parallel_batches: Optional[int] = None

    def _check(self, item: Embeddable) -> None:
        if isinstance(item, str) and not self.supports_text:
            raise ValueError(f"Model {self.model_id} does not support text input")
        if isinstance(item, (bytes, bytearray)) and not self.supports_binary:
            raise ValueError(f"Model {self.model_id} does not support binary input")

    def embed(self, item: Embeddable) -> list[float]:
        """Embed one string (or bytes, for binary models)."""
        self._check(item)
        return list(next(iter(self.embed_batch([item]))))

    def embed_multi(self, items: Iterable[Embeddable], batch_size: Optional[int] = None) -> Iterator[list[float]]:
        """Embed many items, in batches; yields one vector per item, in order."""
        size = batch_size
        if self.batch_size is not None:
            size = min(size, self.batch_size) if size else self.batch_size
        iterator = iter(items)
        while True:
            batch = list(islice(iterator, size)) if size else list(iterator)
            if not batch:
                return
            for item in batch:
                self._check(item)
            yield from (list(v) for v in self.embed_batch(batch))
            if not size:
                return

    @abstractmethod
    def embed_batch(self, items: Iterable[Embeddable]) -> Iterator[list[float]]:
        """Embed a batch; returns an iterator of vectors, one per item."""

    def get_key(self, explicit_key: Optional[str] = None) -> Optional[str]:
        """The API key to use, or NeedsKeyError saying how to provide one."""
        return resolve_key_for(self, explicit_key)

    def __str__(self) -> str:
        return f"{self.__class__.__name__}: {self.model_id}"

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} '{self.model_id}'>"
