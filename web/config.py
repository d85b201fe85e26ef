"""Settings of the web page (``[web]``)."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from common.settings import Section


class WebSettings(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    # Needed once the page listens beyond loopback: crawled complaints are not for the whole office network.
    token_env: str = "YUQING_WEB_TOKEN"
    per_page: int = Field(default=20, ge=1, le=200)
    chart_days: int = Field(default=30, ge=1, le=92)
    # Unset, the CSV export has every match: a report on "all complaints this quarter" must not stop at a round
    # number. An operator may cap it (a small server, a slow link); the page and the file then say so.
    export_limit: int | None = Field(default=None, ge=1)
    # The address people open the pages at (https://yuqing.example.com behind a proxy): emails and robot cards
    # link their alert there. Unset: notifications carry no link, as a link to 127.0.0.1 would lead nowhere.
    public_url: str | None = None

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"{value!r} is not a web address such as https://yuqing.example.com")
        return value.strip().rstrip("/")

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
