"""The search index: which mentions can contain a word, found without reading every row, on both backends.

Chinese has no spaces, so word tokenizers are useless for substring search. Both backends index
character n-grams and treat a hit only as a candidate; the caller then checks the real text, so results
are exactly those of a scan.

SQLite: an FTS5 table (contentless, ``detail=none``: a list of mentions per token and nothing else) of
the bigrams of every run of word characters plus the run's last character alone. A word of two or more
characters is found through its bigrams (all must be there); a single character through the prefix query
``"x"*``, which every occurrence satisfies (it starts a bigram, or it ends a run). The FTS rowid is the
mention's publication second shifted left over the mention id, so FTS5 hands candidates newest first and
the first page needs only the first few. Triggers note every inserted, edited or deleted mention in
``search_pending`` (with the text the index holds for it); searches read pending mentions directly, and
:func:`sync` folds them into the index.

PostgreSQL: a GIN index over an expression, the array of every character and character pair of the
lower-cased text. pg_trgm was the first choice, but a trigram index cannot answer the one- and
two-character words most Chinese searches are (小米, 退款), and it sees CJK as word characters only under
some database locales (C.UTF-8 yes, C no); the n-gram array works for every word length under any locale,
needs no extension, and PostgreSQL keeps it in step by itself.

Both index the folded text (:mod:`search.fold`: traditional characters simplified), so 品质 finds 品質; on
PostgreSQL the fold is the same table as a SQL function, ``yuqing_fold``, and the GIN index is over
``yuqing_search_grams(search_body) COLLATE "C"``, where ``search_body`` is a stored generated column holding
``yuqing_fold(title || chr(10) || text)`` (migration ``0016_search_folded_column``).
How a page of results is read through it is :mod:`search.postgres`.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from search.fold import fold

log = logging.getLogger(__name__)

FTS_TABLE = "mentions_fts"
PENDING_TABLE = "search_pending"
ID_BITS = 31
ID_MASK = (1 << ID_BITS) - 1
SYNC_BATCH = 2000


def _key_sql(table: str) -> str:
    """The FTS rowid of a row. Inserts and deletes must compute it identically, so only SQL computes it."""
    return (f"((max(0, CAST(strftime('%s', {table}.published_at) AS INTEGER)) << {ID_BITS}) "
            f"| ({table}.id & {ID_MASK}))")


# ---- n-grams (SQLite) ------------------------------------------------------------


# The same rule as FTS5's ascii tokenizer: ASCII letters and digits, and every non-ASCII character. A rule by
# code point alone, so the grams of a text never change with a Python upgrade's Unicode tables.
_WORD_RUN = re.compile("[0-9A-Za-z\x80-\U0010ffff]+")


def word_runs(value: str) -> list[str]:
    """Maximal runs of word characters, folded: ``"小米SU7, 品質"`` -> ``小米su7``, ``品质``."""
    return _WORD_RUN.findall(fold(value))


def document_grams(title: str | None, body: str | None) -> str:
    """The tokens FTS5 indexes for a mention: each run's bigrams and its last character, space-separated."""
    grams: set[str] = set()
    for run in word_runs(f"{title or ''}\n{body or ''}"):
        # Pairs by str.__add__ over two slices: in C, a third of the time of slicing in a Python loop.
        grams.update(map(str.__add__, run[:-1], run[1:]))
        grams.add(run[-1])
    return " ".join(sorted(grams))


def _fts_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def term_match(term: str) -> str | None:
    """The FTS5 query every mention containing ``term`` satisfies, or None when the term has no word
    characters (punctuation only: those mentions are found by a scan)."""
    parts = []
    for run in word_runs(term):
        if len(run) == 1:
            parts.append(_fts_string(run) + "*")
        else:
            parts.extend(_fts_string(run[i:i + 2]) for i in range(len(run) - 1))
    return " AND ".join(dict.fromkeys(parts)) or None


def rowid_floor(moment: datetime) -> int:
    """The smallest FTS rowid of a mention published at ``moment`` or later."""
    return max(0, int(moment.astimezone(UTC).timestamp())) << ID_BITS


# The tables, triggers and SQL functions themselves are made by migrations 0003, 0013 and 0014, which carry
# their own DDL so that a later change here never rewrites what an old database was built with.


# ---- keeping SQLite's index in step --------------------------------------------------

def _sync_batch(connection: Connection, size: int) -> int:
    """Fold up to ``size`` pending mentions into the FTS index; returns how many were done."""
    pending = connection.execute(text(
        f"SELECT p.mention_id, p.indexed, p.indexed_key, p.indexed_title, p.indexed_text, "
        f"m.id, m.title, m.text, {_key_sql('m')} FROM {PENDING_TABLE} p "
        f"LEFT JOIN mentions m ON m.id = p.mention_id WHERE p.mention_id <= {ID_MASK} "
        f"ORDER BY p.mention_id LIMIT :size"), {"size": size}).all()
    if not pending:
        return 0
    deletes, inserts = [], []
    for _, indexed, old_key, old_title, old_text, current, title, body, key in pending:
        if indexed:
            deletes.append({"key": old_key, "grams": document_grams(old_title, old_text)})
        if current is not None:
            inserts.append({"key": key, "grams": document_grams(title, body)})
    if deletes:
        connection.execute(text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, grams) "
                                "VALUES ('delete', :key, :grams)"), deletes)
    if inserts:
        connection.execute(text(f"INSERT INTO {FTS_TABLE} (rowid, grams) VALUES (:key, :grams)"), inserts)
    # A mention id beyond the key's id bits (two billion rows) stays pending for good; searches read it.
    connection.execute(text(f"DELETE FROM {PENDING_TABLE} WHERE mention_id = :id"),
                       [{"id": row[0]} for row in pending])
    return len(pending)


def sync(engine, *, limit: int | None = None, wait: bool = True) -> int:
    """Fold pending mentions into the SQLite index (a no-op on PostgreSQL); returns how many were folded.

    Searches are exact without it (they read pending mentions directly) but slower the more are pending,
    so the scheduler should call it after every crawl, and a search calls it with ``wait=False``: if a
    crawl holds SQLite's write lock, the search goes ahead at once instead of queueing behind it.
    """
    if engine.dialect.name != "sqlite":
        return 0
    done = 0
    with engine.connect() as connection:
        if not wait:
            connection.exec_driver_sql("PRAGMA busy_timeout=0")
        connection.commit()
        try:
            while limit is None or done < limit:
                size = SYNC_BATCH if limit is None else min(SYNC_BATCH, limit - done)
                with connection.begin():
                    batch = _sync_batch(connection, size)
                done += batch
                if batch < size:
                    break
        except OperationalError as exc:
            # Busy: a crawl is writing (or the file is read-only). What is still pending is read directly, and the
            # next call that can write folds it in.
            if not any(word in str(exc) for word in ("locked", "busy", "readonly")):
                raise
            log.debug("search index sync postponed: %s", exc)
        finally:
            if not wait:
                connection.exec_driver_sql("PRAGMA busy_timeout=30000")
                connection.commit()
    return done


def pending_count(connection: Connection) -> int:
    if connection.dialect.name != "sqlite":
        return 0
    return connection.execute(text(f"SELECT count(*) FROM {PENDING_TABLE}")).scalar_one()
