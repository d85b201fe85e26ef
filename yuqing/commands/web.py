"""``web``: the search page, served by uvicorn."""

from __future__ import annotations

from yuqing.cli import UserError


def register(commands) -> None:
    web = commands.add_parser("web", help="启动舆情搜索网页 (serve the search page)")
    web.add_argument("--host", default=None, help="监听地址 (default: [web] host, 127.0.0.1)")
    web.add_argument("--port", type=int, default=None, help="端口 (default: [web] port, 8080)")
    web.set_defaults(handler=web_command)


def web_command(args, context) -> int:
    import uvicorn

    from web.app import create_app
    from web.config import is_loopback

    settings = context.settings
    host = args.host or settings.web.host
    port = args.port or settings.web.port
    if not is_loopback(host) and not settings.web.token:
        raise UserError(f"web: {host} is not loopback, so the page needs a token: set the environment "
                        f"variable {settings.web.token_env} ([web] token_env) to a long random secret")
    app = create_app(settings, context.db, host=host)
    if is_loopback(host):
        print(f"舆情搜索 on http://{host}:{port}/ (loopback only, no token needed; Ctrl-C to stop)")
    else:
        print(f"舆情搜索 on http://{host}:{port}/ - token required: open /?token=<{settings.web.token_env}> "
              "once (kept in a cookie) or send 'Authorization: Bearer <token>' (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
