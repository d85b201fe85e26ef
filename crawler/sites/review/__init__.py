"""Any review or forum list page, read with the CSS selectors a source configures."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from yuqing.config import SourceSettings


def check_source(source: SourceSettings) -> None:
    """Bad selectors fail when the settings load, naming the selector, not when the crawl starts."""
    # Imported here: the parser loads Scrapy, which settings of other sites do without.
    from crawler.parsers import ParseError
    from crawler.sites.review.parser import check_selectors

    try:
        check_selectors(source.selectors)
    except ParseError as exc:
        raise ValueError(f"selectors: {exc}") from None
