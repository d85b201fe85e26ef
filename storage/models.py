"""Typed SQLAlchemy models. Storage knows no spider and no alert rule: it keeps what the pipeline hands it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class Source(Base):
    """A configured place we crawl, with its health as the crawler last saw it."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    last_run_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    items_last_run: Mapped[int | None]
    new_last_run: Mapped[int | None]
    blocked_until: Mapped[datetime | None]
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    blocked_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)

    mentions: Mapped[list[Mention]] = relationship(back_populates="source")


class Mention(Base):
    """One post, comment, complaint, review or article about a brand, with its analysis."""

    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_mentions_source_external"),
        Index("ix_mentions_brand_published", "brand", "published_at"),
        Index("ix_mentions_brand_stored", "brand", "stored_at"),
        Index("ix_mentions_cluster", "cluster_id"),
        # Created by the alerts migration: the indicator queries filter on exactly these columns.
        Index("ix_mentions_alerts", "label", "published_at", "brand", "category", "stored_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    source_kind: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    raw_html: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(200))
    author_followers: Mapped[int | None] = mapped_column(BigInteger)
    author_verified: Mapped[bool | None] = mapped_column(Boolean)
    is_media: Mapped[bool] = mapped_column(Boolean, default=False)
    region: Mapped[str | None] = mapped_column(String(20))
    published_at: Mapped[datetime] = mapped_column(index=True)
    fetched_at: Mapped[datetime]
    stored_at: Mapped[datetime]
    reposts: Mapped[int] = mapped_column(BigInteger, default=0)
    comments: Mapped[int] = mapped_column(BigInteger, default=0)
    likes: Mapped[int] = mapped_column(BigInteger, default=0)
    rating: Mapped[float | None] = mapped_column(Float)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    brand: Mapped[str] = mapped_column(String(100))
    sentiment: Mapped[float] = mapped_column(Float)
    label: Mapped[str] = mapped_column(String(10))
    category: Mapped[str | None] = mapped_column(String(20))
    grade: Mapped[str] = mapped_column(String(4), default="一般")
    reasons: Mapped[list[str]] = mapped_column(default=list)
    keywords: Mapped[list[str]] = mapped_column(default=list)
    tokens: Mapped[str] = mapped_column(Text, default="")
    fingerprint: Mapped[int | None] = mapped_column(BigInteger)
    cluster_id: Mapped[int | None] = mapped_column(BigInteger)
    # Posted by one of the brand's own accounts ([[brands]] official_accounts): its response, not a complaint.
    official: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    source: Mapped[Source] = relationship(back_populates="mentions")

    @property
    def engagement(self) -> int:
        return (self.reposts or 0) + (self.comments or 0) + (self.likes or 0)


class Installation(Base):
    """One row: this database's random id, made by its first migration. Anything that must differ between two
    installations (or a database and its reset) derives from it, such as the outbox's Message-IDs."""

    __tablename__ = "installation"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class DeadLetter(Base):
    """A mention that reached the store step and could not be stored, kept with the reason until a retry stores it.

    No foreign key to ``sources``: the failure may be the source row itself. ``item`` is the mention in the
    ``yuqing import`` line shape, so ``yuqing import --retry-failed`` replays it through the same pipeline.
    """

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    reason: Mapped[str] = mapped_column(Text)
    item: Mapped[dict[str, Any]]
    origin: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=1)
