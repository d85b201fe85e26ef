"""The web app: the search page and its JSON API (the same :func:`search.service.search` that ``yuqing search``
calls), and the alert, incident and overview pages of :mod:`web.routes`.

Server-rendered, no JavaScript. Crawled text reaches the page only through Jinja2's autoescaping or the
highlighter, which escapes before it marks; links to originals are kept only when they are http(s).
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from search.export import csv_chunks
from search.labels import KIND_NAMES, LABEL_NAMES
from search.query import QueryError
from search.service import daily_volume, iter_matches, parse, record, safe_url, search, vocabulary
from web.chart import volume_svg
from web.config import is_loopback
from web.csrf import SESSION_COOKIE, Csrf
from web.routes import register
from web.views import (
    GRADE_CHOICES,
    SENTIMENT_CHOICES,
    SINCE_CHOICES,
    SORT_CHOICES,
    FilterForm,
    active_alerts,
)

if TYPE_CHECKING:  # annotations only: nothing here runs an import up to the CLI layer
    from storage.db import Database
    from yuqing.config import Settings

TEMPLATES = Path(__file__).with_name("templates")
TOKEN_COOKIE = "yuqing_token"
SECURITY_HEADERS = {
    # Nothing on the page runs script; if crawled text ever slipped through unescaped, it still could not.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def create_app(settings: Settings, db: Database, *, host: str = "127.0.0.1") -> FastAPI:
    """The web app for ``db``; when ``host`` is not loopback every request must carry the token."""
    token = None if is_loopback(host) else settings.web.token
    if not is_loopback(host) and not token:
        raise ValueError(f"{settings.web.token_env} is not set")
    app = FastAPI(title="yuqing 舆情搜索", docs_url=None, redoc_url=None, openapi_url=None)
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    templates = Jinja2Templates(env=environment)
    tz = settings.tz
    csrf = Csrf()
    names = vocabulary(db, settings)

    @app.middleware("http")
    async def session(request: Request, call_next):
        """Every browser gets a session cookie, which the forms' CSRF tokens are bound to."""
        fresh = None if request.cookies.get(SESSION_COOKIE) else Csrf.new_session()
        request.state.session_id = fresh
        response = await call_next(request)
        if fresh:
            response.set_cookie(SESSION_COOKIE, fresh, httponly=True, samesite="strict")
        return response

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if token is not None:
            offered = _offered_token(request)
            if offered is None or not hmac.compare_digest(offered.encode(), token.encode()):
                return _with_headers(Response("需要访问令牌 (token required)", status_code=401,
                                              media_type="text/plain; charset=utf-8"))
            if request.query_params.get("token"):
                # The token came in the address: keep it in a cookie and take it out of the address bar.
                params = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                target = _same_origin(request.url.path) + (f"?{urlencode(params)}" if params else "")
                response = RedirectResponse(target, status_code=303)
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
                return _with_headers(response)
        return _with_headers(await call_next(request))

    def form_of(request: Request) -> FilterForm:
        return FilterForm.from_params(request.query_params, settings.web.per_page)

    @app.get("/", response_class=HTMLResponse)
    def search_page(request: Request):
        form = form_of(request)
        page = search(db, form.search_request(), tz, vocabulary=names)
        chart = None
        if page.ok:
            query = parse(form.effective_query(), tz, vocabulary=names)
            chart = volume_svg(daily_volume(db, query, tz, days=settings.web.chart_days))
        return templates.TemplateResponse(request, "search.html", {
            "form": form, "page": page, "chart": chart, "tz": tz, "labels": LABEL_NAMES,
            "brands": [b.name for b in settings.brands], "alerts": active_alerts(db, tz),
            "safe_url": safe_url, "page_link": form.link, "export_link": "/export.csv?" + form.query_string(),
            "export_limit": settings.web.export_limit,
            "kinds": KIND_NAMES, "sentiments": SENTIMENT_CHOICES, "grades": GRADE_CHOICES,
            "sinces": SINCE_CHOICES, "sorts": SORT_CHOICES,
        }, status_code=200 if page.ok else 400)

    register(app, settings, db, csrf)

    @app.get("/export.csv")
    def export(request: Request):
        """Every match, streamed; only an operator's ``[web] export_limit`` cuts it, and then the page, a header
        and the file's last row say so."""
        form = form_of(request)
        try:
            query = parse(form.effective_query(), tz, vocabulary=names)
        except QueryError as exc:
            return Response(f"查询有误：{exc}", status_code=400, media_type="text/plain; charset=utf-8")
        limit = settings.web.export_limit
        mentions = iter_matches(db, query, form.sort, form.dedupe, limit=None if limit is None else limit + 1)
        filename = f"yuqing-{datetime.now(UTC).astimezone(tz):%Y%m%d-%H%M}.csv"
        headers = {"Content-Disposition": f"attachment; filename={filename}; filename*=UTF-8''{quote(filename)}"}
        if limit is not None:
            headers["X-Yuqing-Export-Limit"] = str(limit)
        chunks = csv_chunks(mentions, tz, limit=limit, setting="[web] export_limit")
        return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)

    @app.get("/api/search")
    def api_search(request: Request):
        form = form_of(request)
        page = search(db, form.search_request(), tz, vocabulary=names)
        body = {"query": form.effective_query(), "page": page.request.page, "per_page": page.request.per_page,
                "sort": page.request.sort, "dedupe": page.request.dedupe, "has_next": page.has_next,
                "notes": list(page.notes), "results": [record(hit, tz) for hit in page.hits]}
        if page.message:
            return JSONResponse({**body, "error": page.message}, status_code=400)
        return body

    @app.get("/api/volume")
    def api_volume(request: Request):
        form = form_of(request)
        try:
            query = parse(form.effective_query(), tz, vocabulary=names)
        except QueryError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        days = daily_volume(db, query, tz, days=settings.web.chart_days)
        return {"query": form.effective_query(), "days": [
            {"day": d.day.isoformat(), "positive": d.positive, "neutral": d.neutral, "negative": d.negative}
            for d in days]}

    return app


def _offered_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE)


def _same_origin(path: str) -> str:
    """The path as a redirect target that stays on this site. ``//evil.example/`` is another host's address, and
    so is ``/\\evil.example`` once a browser has read it (backslashes become slashes); one leading slash is left.
    A tab or line break after it (which a browser would drop) is percent-encoded by ``RedirectResponse``."""
    return "/" + path.lstrip("/\\")


def _with_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
