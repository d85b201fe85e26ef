"""Settings of outgoing mail (``[mail]``): the SMTP server, the departments' addresses and the outbox's retry policy.

The retry policy (``retry_backoff``, ``sending_lease``) is the outbox's, so every channel follows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator

from common.settings import Duration, Section


class MailSettings(Section):
    """``host`` unset: mail lands as ``.eml`` files in ``mailbox_dir`` (the demo and a laptop need no server)."""

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str = "yuqing 舆情监测 <yuqing@localhost>"
    timeout: Duration = timedelta(seconds=20)
    mailbox_dir: str = "var/mailbox"
    departments: dict[str, list[str]] = {}
    retry_backoff: list[Duration] = [timedelta(seconds=s) for s in (10, 30, 60, 120, 300, 600, 1800)]
    sending_lease: Duration = timedelta(minutes=5)

    def missing_secrets(self, environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
        """(key, variable) of each secret this section needs but the environment lacks: a login needs its
        password, found at start-up rather than as a refused login at the first alert."""
        if self.host and self.username and not environ.get(self.password_env or ""):
            return [("mail.password_env", self.password_env)]
        return []

    @field_validator("retry_backoff")
    @classmethod
    def _backoff(cls, value: list[timedelta]) -> list[timedelta]:
        if not value:
            raise ValueError("give at least one back-off duration")
        return value

    @field_validator("departments")
    @classmethod
    def _addresses(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for department, addresses in value.items():
            for address in addresses:
                if "@" not in address or any(c.isspace() for c in address.strip()):
                    raise ValueError(f"{department}: {address!r} is not an email address")
        return value
