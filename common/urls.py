"""Addresses of the web pages, for links sent out of the page: alert emails, robot cards, the CLI.

Built in one place from ``[web] public_url`` (the address people open, e.g. behind a reverse proxy), so every
channel links to the same page. A leaf of the standard library only: alerts and delivery, below the web layer,
build links without importing it.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode


def alert_path(alert_id: int) -> str:
    return f"/alerts/{int(alert_id)}"


def incident_path(alert_id: int) -> str:
    return f"/alerts/{int(alert_id)}/report"


def overview_path(brand: str, period: str = "7d") -> str:
    return f"/overview?{urlencode({'brand': brand, 'period': period})}"


def public(public_url: str | None, path: str) -> str | None:
    """``path`` on the public address, or ``None`` when no public address is configured (links are left out)."""
    if not public_url:
        return None
    return public_url.rstrip("/") + quote(path, safe="/?=&%")


def alert_url(web_settings, alert_id: int) -> str | None:
    """The alert page's address for a notification (``None`` without ``[web] public_url``)."""
    return public(web_settings.public_url, alert_path(alert_id))


def incident_url(web_settings, alert_id: int) -> str | None:
    return public(web_settings.public_url, incident_path(alert_id))
