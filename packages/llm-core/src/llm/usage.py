from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


@dataclass
class Usage:
    """Token counts reported by a model for one response."""

    input: Optional[int] = None
    output: Optional[int] = None
    details: Optional[dict[str, Any]] = None
