"""CSRF protection for the pages' buttons: a form token bound to the browser's session cookie.

A page that changes state (acknowledge, silence) must not be triggerable from another site the user happens
to have open. Each browser gets a random session cookie (SameSite=Strict, HttpOnly); each form carries the HMAC
of that session under a secret of this process, and a POST is accepted only when the two agree and the request
does not come from another origin. A restart changes the secret: an old form then asks for a reload.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE = "yuqing_session"
FIELD = "csrf"


class Csrf:
    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)

    @staticmethod
    def new_session() -> str:
        return secrets.token_urlsafe(24)

    def token(self, session_id: str) -> str:
        return hmac.new(self.secret, session_id.encode(), hashlib.sha256).hexdigest()

    def valid(self, session_id: str | None, offered: str | None) -> bool:
        if not session_id or not offered:
            return False
        return hmac.compare_digest(self.token(session_id), offered)


def same_origin(headers, base_url: str) -> bool:
    """False when the browser says the request came from another site.

    ``Sec-Fetch-Site`` is set by the browser itself and cannot be forged by a page, so it decides when present.
    ``Origin`` is next; with the page's ``Referrer-Policy: no-referrer`` Chromium sends it as ``null`` even for
    its own forms, which proves nothing either way: the token still has to match.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = headers.get("origin")
    return origin in (None, "null") or origin.rstrip("/") == base_url.rstrip("/")
