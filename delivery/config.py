"""Settings of delivery: outgoing mail (``[mail]``: the SMTP server, the departments' addresses, the outbox's
retry policy) and chat robots (``[robots.<name>]``).

The retry policy (``retry_backoff``, ``sending_lease``) is the outbox's, so every channel follows it.
"""

from __future__ import annotations

import os
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


class RobotSettings(Section):
    """A chat group's webhook robot (``[robots.<name>]``). Its URL carries a credential (WeCom's ``key``,
    DingTalk's ``access_token``, Feishu's hook id), so it comes from the variable ``url_env`` names, as does the
    signing secret of DingTalk's 加签 and Feishu's 签名校验 (``secret_env``)."""

    # A robot platform of ``delivery.channels.ROBOTS`` (checked where the settings are composed).
    platform: str = Field(min_length=1)
    url_env: str = Field(min_length=1)
    secret_env: str | None = None
    departments: list[str] = Field(min_length=1)
    # Messages per ``rate_window``; unset: the platform's own limit (its transport's ``rates``). A private
    # gateway may allow less.
    rate_limit: int | None = Field(default=None, ge=1)
    rate_window: Duration = timedelta(minutes=1)
    timeout: Duration = timedelta(seconds=10)

    @property
    def url(self) -> str:
        return os.environ.get(self.url_env, "")

    @property
    def secret(self) -> str | None:
        return os.environ.get(self.secret_env) if self.secret_env else None


def missing_robot_secrets(robots: Mapping[str, RobotSettings],
                          environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """(key, variable) of each robot URL or signing secret named but not set."""
    missing = []
    for name, robot in robots.items():
        for key, variable in (("url_env", robot.url_env), ("secret_env", robot.secret_env)):
            if variable and not environ.get(variable):
                missing.append((f"robots.{name}.{key}", variable))
    return missing
