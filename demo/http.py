"""What a demo site's handler gets and returns; its own module so the sites and the server that routes to them
need not import each other."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class DemoRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    match: re.Match[str] | None = None


@dataclass
class DemoResponse:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
