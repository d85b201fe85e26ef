"""Alert mail over an encrypted, authenticated SMTP session (STARTTLS and implicit TLS) on 127.0.0.1.

The server is a real aiosmtpd with a certificate made for this test; the client trusts it through
``SSL_CERT_FILE``, exactly as it would trust a company CA, so certificate verification stays on.
"""

from __future__ import annotations

import email
import email.policy
import ssl
import subprocess
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from delivery.models import OutboxMessage
from delivery.outbox import SENT, deliver_pending, enqueue
from tests.conftest import free_port
from yuqing.config import Settings

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
USER, PASSWORD = "alerts@qinghe.cn", "s3cret-口令"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


class Sink:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage, bool]] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        encrypted = server.transport.get_extra_info("ssl_object") is not None or session.ssl is not None
        self.received.append((list(envelope.rcpt_tos), message, encrypted))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)



def server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


def settings_for(database, port: int, security: str, tmp_path) -> Settings:
    return Settings.model_validate({
        "storage": {"url": database.url},
        "brands": [{"name": "青禾"}],
        "mail": {"host": "127.0.0.1", "port": port, "security": security, "username": USER,
                 "password_env": "TEST_SMTP_PASSWORD", "departments": {"pr": ["pr@qinghe.cn"]},
                 "sender": "舆情监测 <alerts@qinghe.cn>", "mailbox_dir": str(tmp_path / "unused"),
                 "timeout": "5s", "retry_backoff": ["1m"]},
    })


def queue_one(database, key: str = "tls-test") -> None:
    with database.session() as session:
        enqueue(session, kind="alert", recipients=["pr@qinghe.cn"], subject="【严重】青禾 负面舆情预警",
                text="正文 <script>alert(1)</script>", html="<p>正文</p>", key=key, now=NOW)


def start(sink: Sink, port: int, certificate, *, implicit: bool) -> Controller:
    # aiosmtpd only counts STARTTLS as "TLS" for auth_require_tls; with implicit TLS the whole session is
    # encrypted before the first command, so requiring it again would only hide AUTH.
    options = {"ssl_context": server_context(certificate), "auth_require_tls": False} if implicit else {
        "tls_context": server_context(certificate), "require_starttls": True, "auth_require_tls": True}
    controller = Controller(sink, hostname="127.0.0.1", port=port, authenticator=sink.authenticate,
                            server_hostname="127.0.0.1", **options)
    controller.start()
    return controller


@pytest.mark.parametrize(("security", "implicit"), [("starttls", False), ("ssl", True)])
def test_mail_goes_over_tls_with_the_password_from_the_environment(
        sqlite_database, certificate, tmp_path, monkeypatch, security, implicit):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    sink, port = Sink(), free_port()
    controller = start(sink, port, certificate, implicit=implicit)
    try:
        queue_one(sqlite_database)
        report = deliver_pending(sqlite_database, settings_for(sqlite_database, port, security, tmp_path), now=NOW)
    finally:
        controller.stop()
    assert report.sent == 1, report.errors
    assert sink.logins == [USER]
    [(recipients, message, encrypted)] = sink.received
    assert recipients == ["pr@qinghe.cn"] and encrypted
    assert message["Subject"] == "【严重】青禾 负面舆情预警"


def test_a_wrong_password_delays_the_mail_and_loses_nothing(sqlite_database, certificate, tmp_path, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
    sink, port = Sink(), free_port()
    controller = start(sink, port, certificate, implicit=False)
    settings = settings_for(sqlite_database, port, "starttls", tmp_path)
    try:
        queue_one(sqlite_database)
        refused = deliver_pending(sqlite_database, settings, now=NOW)
        assert refused.sent == 0 and refused.errors and not sink.received
        monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
        later = deliver_pending(sqlite_database, settings, now=NOW.replace(hour=13))
    finally:
        controller.stop()
    assert later.sent == 1 and len(sink.received) == 1
    with sqlite_database.session() as session:
        assert session.scalars(select(OutboxMessage.state)).all() == [SENT]


def test_an_untrusted_certificate_is_refused(sqlite_database, certificate, tmp_path, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))  # an empty trust store: the test certificate is unknown
    monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
    sink, port = Sink(), free_port()
    controller = start(sink, port, certificate, implicit=False)
    try:
        queue_one(sqlite_database)
        report = deliver_pending(sqlite_database, settings_for(sqlite_database, port, "starttls", tmp_path), now=NOW)
    finally:
        controller.stop()
    assert report.sent == 0 and not sink.logins and not sink.received
    assert any("certificate" in error.lower() for error in report.errors), report.errors
