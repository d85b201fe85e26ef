"""Per-site renderers for the demo server: each module's ``ROUTES`` plays one real site on loopback."""

SITE_MODULES = [
    "demo.sites.feed",
    "demo.sites.weibo",
    "demo.sites.tieba",
    "demo.sites.heimao",
    "demo.sites.discuz",
    "demo.sites.dianping",
    "demo.sites.zhihu",
    "demo.sites.review",
]

