"""The mailbox transport of the email channel: with no SMTP host configured, each message becomes an ``.eml`` file
(the demo and a laptop need no mail server)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from delivery.config import MailSettings
from delivery.mime import build_email
from delivery.transport import Outgoing, RateLimit, TemporaryFailure


class MailboxTransport:
    def __init__(self, settings: MailSettings) -> None:
        self.directory = Path(settings.mailbox_dir)
        self.sender = settings.sender

    def send(self, message: Outgoing) -> None:
        email = build_email(message, self.sender)
        name = email["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
        target = self.directory / f"{name}.eml"
        # Written under a temporary name and renamed: a crash leaves no half message, and the same message
        # delivered again replaces itself instead of appearing twice.
        partial = self.directory / f".{name}.{uuid.uuid4().hex}.tmp"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(bytes(email))
            os.replace(partial, target)
        except OSError as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc

    def rate_limits(self, destination: str) -> tuple[RateLimit, ...]:
        return ()

    def close(self) -> None:
        pass
