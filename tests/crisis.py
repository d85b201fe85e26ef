"""The demo's crisis, told to the real pipeline and alert engine on its own clock, without crawling.

Posts go in at their publication times through the same steps ``yuqing import`` runs (brand match, the NLP
analysis, storage, story clustering); the engine evaluates after each step as the daemon would. A crawl of the
demo sites is tested elsewhere; here what matters is what the alert engine and the reports make of the story.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crawler.items import MentionItem
from crawler.pipelines import run_pipeline
from demo.scenario import MEDIA, Scenario, build
from demo.world import DemoPost
from yuqing.demo import restamp, write_settings

SOURCE_OF = {"news": "news", "portal": "news", "blog": "news"}
SPIDERS = {"weibo", "heimao", "tieba", "discuz", "zhihu", "dianping", "feed"}


def demo_settings_file(folder, extra: str = ""):
    # Without the demo's robots (``write_settings(..., robots=True)`` is yuqing demo's): the story told here sends
    # nothing, and needs no robot variables in the environment.
    path = write_settings(folder, "http://127.0.0.1:9", SPIDERS)
    if extra:
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def item(post: DemoPost) -> MentionItem:
    source = SOURCE_OF.get(post.site, post.site)
    kinds = {"weibo": "social", "heimao": "complaint", "tieba": "forum", "discuz": "forum", "zhihu": "social",
             "dianping": "review", "news": "news"}
    return MentionItem(external_id=f"{post.site}-{post.id}", url=f"https://{post.site}.example.cn/{post.id}",
                       title=post.title, text=post.text, published_at=post.published_at, author=post.author,
                       region=post.region, author_followers=post.followers or None,
                       author_verified=post.verified_type >= 0, is_media=post.verified_type == MEDIA,
                       reposts=post.reposts, comments=post.comments, likes=post.likes, rating=post.rating,
                       extra=dict(post.extra), source=source, source_kind=kinds[source])


def tell(db, settings, crisis_at: datetime, *, step: timedelta = timedelta(minutes=5),
         until: datetime | None = None, evaluate_after=None) -> Scenario:
    """Import the story up to ``until`` (default: its end) ``step`` by step, evaluating alerts after each."""
    from alerts.engine import evaluate

    scenario = build(crisis_at)
    end = until or scenario.ends_at
    posts = sorted(scenario.posts, key=lambda p: p.published_at)
    moment = crisis_at - timedelta(minutes=30)
    run_pipeline(settings, db, [item(p) for p in posts if p.published_at <= moment])
    restamp(db, moment)
    done = sum(p.published_at <= moment for p in posts)
    while moment < end:
        moment = min(moment + step, end)
        batch = [p for p in posts[done:] if p.published_at <= moment]
        done += len(batch)
        if batch:
            run_pipeline(settings, db, [item(p) for p in batch])
            restamp(db, moment)
        evaluate(db, settings, now=moment)
        if evaluate_after:
            evaluate_after(moment)
    return scenario
