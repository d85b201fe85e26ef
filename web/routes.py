"""The alert pages (list, detail with its buttons, incident report) and the brand overview.

Reads go through :mod:`report` (the same functions as ``yuqing alerts list`` and ``yuqing report incident``),
changes through :mod:`alerts.actions` (the same as ``yuqing alerts ack|silence|unsilence``). Every POST needs the
form's CSRF token; after it, the browser is sent back to the page (303), so a reload repeats nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from alerts.actions import ActionError, acknowledge, end_silence, silence
from common.settings import parse_duration
from common.urls import alert_path
from report.alerts import alert_detail, alert_list, current_silences
from report.incident import IncidentError, incident_report
from report.overview import PERIODS, brand_overview
from web.csrf import FIELD, SESSION_COOKIE, Csrf, same_origin
from web.pages import SILENCE_CHOICES, environment, incident_context, local, overview_context, trend_chart

MAX_FORM_BYTES = 8192
DONE = {"ack": "已确认：本轮不再重复提醒，升级或解除时仍会通知。",
        "silence": "已静默：到期前不发通知，到期后补发期间的变化。",
        "unsilence": "静默已结束：通知恢复。"}


def register(app: FastAPI, settings, db, csrf: Csrf) -> None:
    tz = settings.tz
    at = local(tz)
    env = environment()
    brands = [b.name for b in settings.brands]

    def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        session_id = getattr(request.state, "session_id", None) or request.cookies.get(SESSION_COOKIE, "")
        message = DONE.get(request.query_params.get("done", ""))
        html = env.get_template(template).render({"at": at, "csrf": csrf.token(session_id), "message": message,
                                                  **context})
        return HTMLResponse(html, status_code=status)

    async def form(request: Request) -> dict[str, str] | Response:
        """The POSTed fields, or the refusal: a form without this session's token, or from another site."""
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return _plain("表单过大 (form too large)", 413)
        try:
            fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), max_num_fields=20).items()}
        except ValueError:
            return _plain("表单字段过多 (too many form fields)", 400)
        base = f"{request.url.scheme}://{request.url.netloc}"
        if not same_origin(request.headers, base) or not csrf.valid(request.cookies.get(SESSION_COOKIE),
                                                                       fields.get(FIELD)):
            return _plain("页面已过期或请求来自其他网站，请刷新页面后重试 (CSRF check failed)", 403)
        return fields

    def detail_page(request: Request, alert_id: int, *, error: str | None = None, status: int = 200):
        detail = alert_detail(db, settings, alert_id)
        if detail is None:
            return page(request, "alerts.html", 404, nav="alerts", alerts=[], silences=[], include_resolved=False,
                        error=f"没有编号为 #{alert_id} 的预警")
        return page(request, "alert.html", status, nav="alerts", detail=detail, error=error,
                    chart=trend_chart(detail.trend, tz) if detail.trend else None, silence_choices=SILENCE_CHOICES)

    @app.get("/alerts", response_class=HTMLResponse)
    def alerts_page(request: Request):
        include_resolved = request.query_params.get("all") == "1"
        return page(request, "alerts.html", nav="alerts", alerts=alert_list(db, include_resolved=include_resolved),
                    silences=current_silences(db), include_resolved=include_resolved)

    @app.get("/alerts/{alert_id:int}", response_class=HTMLResponse)
    def alert_page(request: Request, alert_id: int):
        return detail_page(request, alert_id)

    async def act(request: Request, alert_id: int, done: str, action: Callable[[dict[str, str]], None],
                  refused: int) -> Response:
        """An alert page's button: the form checked (or refused), the action, then back to the page (303); an action
        the alert's state refuses shows the page again with the reason and ``refused`` as the status."""
        fields = await form(request)
        if isinstance(fields, Response):
            return fields
        try:
            action(fields)
        except ActionError as exc:
            return detail_page(request, alert_id, error=str(exc), status=refused)
        return _back(alert_path(alert_id), done)

    @app.post("/alerts/{alert_id:int}/ack")
    async def ack(request: Request, alert_id: int):
        def acknowledge_it(fields: dict[str, str]) -> None:
            acknowledge(db, alert_id, _by(fields), datetime.now(UTC))

        return await act(request, alert_id, "ack", acknowledge_it, refused=409)

    @app.post("/alerts/{alert_id:int}/silence")
    async def silence_alert(request: Request, alert_id: int):
        def silence_it(fields: dict[str, str]) -> None:
            detail = alert_detail(db, settings, alert_id)
            if detail is None or detail.alert.kind != "brand":  # none: the page says so, with a 404
                raise ActionError(f"预警 #{alert_id} 不是品牌预警，不能静默 (only brand alerts can be silenced)")
            choice = fields.get("duration", "")
            if choice not in SILENCE_CHOICES:
                raise ActionError("请选择静默时长 (choose how long)")
            scope = detail.alert.scope if fields.get("only_scope") and detail.alert.scope != "全部" else None
            silence(db, brand=detail.alert.subject, scope=scope, duration=parse_duration(choice),
                    reason=fields.get("reason", "")[:500], by=_by(fields), now=datetime.now(UTC),
                    known_brands=set(brands))

        return await act(request, alert_id, "silence", silence_it, refused=400)

    @app.post("/silences/{silence_id:int}/end")
    async def unsilence(request: Request, silence_id: int):
        fields = await form(request)
        if isinstance(fields, Response):
            return fields
        back = alert_path(int(fields["alert"])) if fields.get("alert", "").isdigit() else "/alerts"
        try:
            end_silence(db, silence_id, datetime.now(UTC))
        except ActionError as exc:
            return _plain(str(exc), 409)
        return _back(back, "unsilence")

    @app.get("/alerts/{alert_id:int}/report", response_class=HTMLResponse)
    def incident_page(request: Request, alert_id: int):
        try:
            incident = incident_report(db, settings, alert_id)
        except IncidentError as exc:
            return page(request, "alerts.html", 404, nav="alerts", alerts=[], silences=[], include_resolved=False,
                        error=str(exc))
        return page(request, "incident.html", nav="alerts", generated_at=datetime.now(UTC),
                    **incident_context(incident, tz))

    @app.get("/overview", response_class=HTMLResponse)
    def overview_page(request: Request):
        brand = request.query_params.get("brand") or (brands[0] if brands else "")
        if brand not in brands:
            return _plain(f"未知品牌 (unknown brand; known: {', '.join(brands) or 'none configured'})", 404)
        period = request.query_params.get("period", "7d")
        overview = brand_overview(db, settings, brand, PERIODS.get(period, 7))
        search_query = urlencode({"q": "", "brand": brand, "since": period if period in PERIODS else "7d"})
        return page(request, "overview.html", nav="overview", brands=brands, periods=PERIODS,
                    search_query=search_query, **overview_context(overview, tz))


def _by(fields: dict[str, str]) -> str | None:
    """Who pressed the button, as they typed it (optional)."""
    return fields.get("by", "").strip()[:100] or None


def _back(path: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?done={done}", status_code=303)


def _plain(text: str, status: int) -> Response:
    return Response(text, status_code=status, media_type="text/plain; charset=utf-8")
