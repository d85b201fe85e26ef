"""The SMTP transport of the email channel: one connection per delivery run, TLS and login as ``[mail]`` says."""

from __future__ import annotations

import base64
import logging
import os
import smtplib
import ssl

from delivery.config import MailSettings
from delivery.mime import build_email
from delivery.transport import Outgoing, PermanentFailure, RateLimit, TemporaryFailure

log = logging.getLogger(__name__)


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    """Log in; smtplib encodes credentials as ASCII, so a UTF-8 name or password goes as AUTH PLAIN (RFC 4616)."""
    if (username + password).isascii():
        client.login(username, password)
        return
    client.ehlo_or_helo_if_needed()
    if "plain" not in client.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPAuthenticationError(504, "non-ASCII credentials need AUTH PLAIN, which the server lacks")
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


class SmtpTransport:
    """One SMTP connection for a delivery run, opened on first use."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self.client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        timeout = settings.timeout.total_seconds()
        context = ssl.create_default_context()
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
            if settings.security == "starttls":
                client.starttls(context=context)
        if settings.username:
            # Checked at start-up too (``missing_secrets``); a variable unset since then is still no crash.
            password = os.environ.get(settings.password_env or "", "")
            if not password:
                client.close()
                raise smtplib.SMTPAuthenticationError(530, f"mail.password_env {settings.password_env!r} is not set")
            _login(client, settings.username, password)
        return client

    def send(self, message: Outgoing) -> None:
        if not message.recipients:
            raise PermanentFailure("no recipients: add addresses under [mail.departments]")
        email = build_email(message, self.settings.sender)
        try:
            if self.client is None:
                self.client = self._connect()
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            # A refused login is a setting to fix or a password to rotate: the mail waits for it, it is not lost.
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        try:
            refused = self.client.send_message(email, to_addrs=list(message.recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"every recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPServerDisconnected):
                raise PermanentFailure(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            self.close()
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        if refused:
            log.warning("%s: some recipients refused: %s", email["Message-ID"], refused)

    def rate_limits(self, destination: str) -> tuple[RateLimit, ...]:
        return ()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.client = None
