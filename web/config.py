"""Settings of the web page (``[web]``)."""

from __future__ import annotations

import ipaddress
import os

from pydantic import Field

from common.settings import Section


class WebSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    # Needed once the page listens beyond loopback: crawled complaints are not for the whole office network.
    token_env: str = "YUQING_WEB_TOKEN"
    per_page: int = Field(default=20, ge=1, le=200)
    chart_days: int = Field(default=30, ge=1, le=92)
    export_limit: int = Field(default=100_000, ge=1, le=1_000_000)

    @property
    def token(self) -> str | None:
        return os.environ.get(self.token_env) or None


def is_loopback(host: str) -> bool:
    """True only for a loopback address (127.0.0.0/8, ::1). A name is never loopback: ``127.evil.example`` is
    anyone's, and even ``localhost`` is whatever the resolver says, so a name needs the token."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
