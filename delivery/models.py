"""The outbox tables: each row one message for one channel, written in the transaction that decided to send it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models import Base


class OutboxMessage(Base):
    """A message to deliver. ``pending`` -> ``sending`` (claimed) -> ``sent``; ``failed`` when the channel refused
    it for good. ``key`` makes enqueueing idempotent; the Message-ID is derived from the row and the installation.

    ``channel`` names the transport family (``email``, ``dingtalk``, ...; see ``delivery.channels``);
    ``destination`` is what one row goes to within it when that is one thing (a robot's name), so its rate limit
    and its outages are counted per robot; ``recipients`` are the email addresses.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="email")
    destination: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(20))
    recipients: Mapped[list[str]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    images: Mapped[list[OutboxImage]] = relationship(
        back_populates="message", order_by="OutboxImage.id", cascade="all, delete-orphan"
    )


class OutboxImage(Base):
    """An inline image of an outbox message, referenced from its HTML as ``cid:<content_id>``."""

    __tablename__ = "outbox_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    content_id: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[OutboxMessage] = relationship(back_populates="images")
