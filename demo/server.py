"""A local HTTP server that plays the real sites for tests and the demo. Binds to loopback only.

Each registered site's demo renderer (``crawler/sites/<site>/demo.py``) contributes routes:
``ROUTES = [(path regex, handler)]`` where ``handler(request: DemoRequest, world: World) -> DemoResponse``
(``crawler.loopback``). The demo sits above the crawler: it reads the site registry, the crawler never imports it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from crawler.loopback import DemoRequest, DemoResponse
from crawler.sites import demo_routes
from demo.world import World

log = logging.getLogger(__name__)


Handler = Callable[[DemoRequest, World], DemoResponse]


def collect_routes() -> list[tuple[re.Pattern[str], Handler]]:
    return [(re.compile(pattern), handler) for pattern, handler in demo_routes()]


class DemoServer:
    """``with DemoServer(world) as server: server.url`` — serves on 127.0.0.1 in a background thread."""

    def __init__(self, world: World, port: int = 0, host: str = "127.0.0.1") -> None:
        self.world = world
        self.routes = collect_routes()
        self.requests: list[str] = []
        self.httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="demo-sites", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> DemoServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def respond(self, path: str, query: dict[str, str], headers: dict[str, str]) -> DemoResponse:
        self.requests.append(path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""))
        if path == "/robots.txt":
            return DemoResponse(body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        for pattern, handler in self.routes:
            match = pattern.fullmatch(path)
            if match:
                return handler(DemoRequest(path, query, headers, match), self.world)
        return DemoResponse(404, "<h1>404 页面不存在</h1>".encode())

    def _handler_class(self):
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                try:
                    response = server.respond(parts.path, query, dict(self.headers.items()))
                except Exception:
                    log.exception("demo site failed on %s", self.path)
                    response = DemoResponse(500, b"internal error")
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(response.body)

            def log_message(self, format: str, *args) -> None:
                log.debug("demo site: " + format, *args)

        return RequestHandler
