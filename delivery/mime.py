"""An outbox row as an email (MIME): shared by the SMTP and mailbox transports, so both write the same message."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from delivery.transport import Outgoing


def message_id(delivery_id: str, sender: str) -> str:
    """The Message-ID: the row's delivery id at the sender's domain, so a resend is recognised as the same mail."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "yuqing.local"
    return f"<{delivery_id}@{domain}>"


def build_email(message: Outgoing, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = ", ".join(message.recipients) if message.recipients else "undisclosed-recipients:;"
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message_id(message.delivery_id, sender)
    email["X-Yuqing-Key"] = message.key
    email["X-Yuqing-Kind"] = message.kind
    email.set_content(message.text, subtype="plain", charset="utf-8")
    if message.html is not None:
        email.add_alternative(message.html, subtype="html", charset="utf-8")
        html_part = email.get_payload()[-1]
        for content_id, data in message.images:
            html_part.add_related(
                data,
                maintype="image",
                subtype="png",
                cid=f"<{content_id}>",
                filename=f"{content_id.partition('@')[0]}.png",
                disposition="inline",
            )
    return email
