"""Retention: mentions older than ``[storage] retention`` are deleted, in batches, by the daemon's clean-up job.

Storage knows no alert rule: what must outlive retention is found from the schema (any table with a foreign key to
``mentions``, such as an alert's evidence), not from a list of features.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import column, delete, exists, inspect, select, table

from storage.models import Mention

if TYPE_CHECKING:
    from storage.db import Database


def purge_mentions_before(db: Database, cutoff: datetime, batch: int = 1000) -> int:
    """Delete mentions published before ``cutoff``, except any another table refers to (alerts' evidence)."""
    inspector = inspect(db.engine)
    references = []
    for name in inspector.get_table_names():
        for key in inspector.get_foreign_keys(name):
            if key["referred_table"] == Mention.__tablename__ and name != Mention.__tablename__:
                name_of_column = key["constrained_columns"][0]
                references.append(table(name, column(name_of_column)).c[name_of_column])
    expired = select(Mention.id).where(Mention.published_at < cutoff)
    for reference in references:
        expired = expired.where(~exists().where(reference == Mention.id))
    deleted = 0
    while True:
        with db.session() as session:
            ids = list(session.scalars(expired.limit(batch)))
            if not ids:
                return deleted
            session.execute(delete(Mention).where(Mention.id.in_(ids)))
            deleted += len(ids)
