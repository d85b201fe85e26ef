"""Per-site renderers for the demo server: each module's ``ROUTES`` plays one real site on loopback.

The list is the site registry's (``crawler.sites``): a site registered without a renderer fails when the demo
sites start.
"""

from crawler.sites import SITES

SITE_MODULES = [entry.demo for entry in SITES.values()]
