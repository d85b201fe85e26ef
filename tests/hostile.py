"""Hostile data shared by the hostile-input and fault matrix (``test_hostile_*.py``, ``test_faults_*.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.repo import get_or_create_source, upsert_mention

NOW = datetime.now(UTC)
ESC_TITLE = "\x1b]0;pwned\x07\x1b[2J\x1b[31m青禾爆炸\x1b[0m\u202egnp.exe\x9b31m"
# What a crawled page can carry: a title that drives the terminal, a javascript: link, traditional characters.
POSTS = {
    "esc": {"title": ESC_TITLE, "text": "青禾内胆脱落", "url": "javascript:alert(document.cookie)"},
    "traditional": {"title": "青禾電飯煲品質太差", "text": "內膽塗層脫落，客服不理", "url": "https://bbs.example.cn/t/2"},
    "simplified": {"title": "青禾电饭煲品质一般", "text": "内胆还行", "url": "https://bbs.example.cn/t/3"},
    "data-link": {"title": "青禾售后", "text": "退款难", "url": " DATA:text/html,<script>alert(1)</script>"},
}


def mention(key: str, number: int, **overrides) -> dict:
    values = {
        "source_kind": "forum", "external_id": key, "url": f"https://bbs.example.cn/t/{key}", "title": "",
        "text": "",
        "author": "网友", "published_at": NOW - timedelta(hours=number), "fetched_at": NOW, "stored_at": NOW,
        "brand": "青禾", "sentiment": 0.2, "label": "negative", "grade": "一般", "category": "产品质量",
        "extra": {}, "reasons": [], "keywords": [], "tokens": "", "is_media": False,
    }
    values.update(POSTS.get(key, {}))
    values.update(overrides)
    return values


def store_posts(db, extra: int = 0) -> None:
    """The hostile posts, plus ``extra`` ordinary ones (``青禾空气炸锅 第N帖``), on a source called ``bbs``."""
    with db.session() as session:
        source = get_or_create_source(session, "bbs", "forum")
        for number, key in enumerate(POSTS):
            upsert_mention(session, source, mention(key, number))
        for number in range(extra):
            upsert_mention(session, source, mention(f"n{number}", number + len(POSTS),
                                                    title=f"青禾空气炸锅 第{number}帖", text="冒烟"))
