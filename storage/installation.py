"""This database's identity: a random id stored in it (migration ``0004_installation``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Installation


def instance_id(session: Session) -> str:
    """The id the migration drew for this database; two databases (or one and its reset) never share it."""
    value = session.scalar(select(Installation.instance_id).order_by(Installation.id).limit(1))
    if value is None:
        raise RuntimeError("the installation row is missing: run `yuqing db upgrade`")
    return value
