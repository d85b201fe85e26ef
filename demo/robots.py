"""A local HTTP server playing the chat robots of WeCom, DingTalk and Feishu, for the tests and the demo.

It answers as the platforms do (their paths, their JSON answers and error codes), checks DingTalk's and Feishu's
signatures with the robot's secret, and enforces a per-robot rate limit with the platform's "too fast" code. A test
can make a robot answer errors, go silent mid-request, or be down. Binds to loopback only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PATHS = {"wecom": "/cgi-bin/webhook/send", "dingtalk": "/robot/send", "feishu": "/open-apis/bot/v2/hook/"}
TOO_FAST = {"wecom": (45009, "api freq out of limit"),
            "dingtalk": (130101, "send too fast, exceed 20 times per minute"),
            "feishu": (9499, "Too Many Request")}
BAD_SIGN = {"dingtalk": (310000, "sign not match"),
            "feishu": (19021, "sign match fail or timestamp is not within one hour from current time")}


@dataclass
class Robot:
    platform: str
    token: str
    secret: str | None = None
    rate: tuple[int, float] = (20, 60.0)
    answers: deque = field(default_factory=deque)  # queued (http status, code) to answer instead of accepting
    sent_at: deque = field(default_factory=deque)


@dataclass(frozen=True)
class Received:
    robot: str
    platform: str
    body: dict

    @property
    def title(self) -> str:
        if self.platform == "feishu":
            return self.body["card"]["header"]["title"]["content"]
        if self.platform == "dingtalk":
            return self.body["markdown"]["title"]
        return self.body["markdown"]["content"].split("\n", 1)[0].removeprefix("## ")

    @property
    def text(self) -> str:
        if self.platform == "feishu":
            return self.body["card"]["elements"][0]["content"]
        return self.body["markdown"]["content" if self.platform == "wecom" else "text"]


def _ok(platform: str) -> dict:
    return {"code": 0, "msg": "success", "data": {}} if platform == "feishu" else {"errcode": 0, "errmsg": "ok"}


def _error(platform: str, code: int, message: str) -> dict:
    return {"code": code, "msg": message, "data": {}} if platform == "feishu" else {"errcode": code, "errmsg": message}


class RobotServer:
    """``with RobotServer({"pr": Robot("dingtalk", "t0k", "SEC...")}) as server: server.url("pr")``."""

    def __init__(self, robots: dict[str, Robot], port: int = 0) -> None:
        self.robots = robots
        self.received: list[Received] = []
        self.refused: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.hold_at: int | None = None  # the n-th accepted message is recorded, then its answer waits
        self.holding = threading.Event()
        self.release = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread: threading.Thread | None = None

    def url(self, name: str) -> str:
        robot = self.robots[name]
        base = f"http://127.0.0.1:{self.port}{PATHS[robot.platform]}"
        if robot.platform == "feishu":
            return base + robot.token
        return base + ("?key=" if robot.platform == "wecom" else "?access_token=") + robot.token

    def messages(self, name: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.robot == name]

    def start(self) -> RobotServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> RobotServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what a robot does with one request ---------------------------------------------------------------------

    def _find(self, path: str, query: dict[str, str]) -> tuple[str, Robot] | None:
        for name, robot in self.robots.items():
            prefix = PATHS[robot.platform]
            if robot.platform == "feishu" and path == prefix + robot.token:
                return name, robot
            if robot.platform != "feishu" and path == prefix and robot.token in (query.get("key"),
                                                                                 query.get("access_token")):
                return name, robot
        return None

    def _signed(self, robot: Robot, query: dict[str, str], body: dict) -> bool:
        if robot.secret is None:
            return True
        if robot.platform == "dingtalk":
            stamp, sign = query.get("timestamp", ""), query.get("sign", "")
            now, message, key = time.time() * 1000, f"{stamp}\n{robot.secret}", robot.secret
            window = 3600 * 1000
        else:
            stamp, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
            now, message, key = time.time(), "", f"{stamp}\n{robot.secret}"
            window = 3600
        if not stamp.isdigit() or abs(now - int(stamp)) > window:
            return False
        expected = base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, sign)

    def _too_fast(self, robot: Robot) -> bool:
        count, per = robot.rate
        now = time.monotonic()
        while robot.sent_at and robot.sent_at[0] <= now - per:
            robot.sent_at.popleft()
        return len(robot.sent_at) >= count

    def answer(self, path: str, query: dict[str, str], body: dict) -> tuple[int, dict]:
        found = self._find(path, query)
        if found is None:
            return 404, {"errcode": 93000, "errmsg": "invalid webhook url"}
        name, robot = found
        with self.lock:
            if robot.answers:
                status, code = robot.answers.popleft()
                self.refused.append((name, code or status))
                return status, _error(robot.platform, code, "system busy")
            if not self._signed(robot, query, body):
                self.refused.append((name, BAD_SIGN[robot.platform][0]))
                return 200, _error(robot.platform, *BAD_SIGN[robot.platform])
            if self._too_fast(robot):
                self.refused.append((name, TOO_FAST[robot.platform][0]))
                return 200, _error(robot.platform, *TOO_FAST[robot.platform])
            robot.sent_at.append(time.monotonic())
            self.received.append(Received(name, robot.platform, body))
            hold = self.hold_at is not None and len(self.received) == self.hold_at
        if hold:
            self.holding.set()
            self.release.wait()
        return 200, _ok(robot.platform)

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's hook name)
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                status, answer = server.answer(parts.path, query, body)
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the sender died while we held its answer

            def log_message(self, *args) -> None:
                pass

        return Handler
