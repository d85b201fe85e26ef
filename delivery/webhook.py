"""What the three chat robots share: a JSON POST with httpx, its failures sorted into retry or give up, and the
Markdown they are sent.

The robot's answer decides: a network failure, a 5xx, a 429 or a platform's "too fast"/"busy" code is temporary
(the outbox retries, nothing is dropped); any other refusal (a wrong signature, a removed robot, a keyword the
robot requires) is permanent, so it is marked failed with the robot's own message rather than retried for ever.
The webhook URL holds a credential: it never appears in an error, a log line or the database.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

import httpx

from delivery.config import RobotSettings
from delivery.transport import Outgoing, PermanentFailure, RateLimit, TemporaryFailure

# 【重大】, 【严重·升级】, 【已解除】...: the level a card's colour shows, read from the subject the alert wrote.
LEVEL = re.compile(r"^【(重大|严重|一般|已解除|已恢复|数据源异常)")


def level_of(subject: str) -> str | None:
    match = LEVEL.match(subject)
    return match.group(1) if match else None


def fit(text: str, limit: int, marker: str = "\n…（内容较长，完整内容见邮件或网页）") -> str:
    """``text`` cut at a line boundary to at most ``limit`` UTF-8 bytes (the platforms count bytes)."""
    if len(text.encode()) <= limit:
        return text
    kept: list[str] = []
    budget = limit - len(marker.encode())
    for line in text.split("\n"):
        size = len(line.encode()) + 1
        if size > budget:
            break
        kept.append(line)
        budget -= size
    return "\n".join(kept) + marker


@dataclass(frozen=True)
class Answer:
    """The robot's JSON answer: its code (``0`` = delivered) and message."""

    code: int
    message: str


class WebhookTransport(ABC):
    """One robot platform: which robots exist, and how a message becomes a signed request to one of them.

    Subclasses give ``payload`` (the platform's JSON), ``sign`` (URL and body changes for the signature; ``signed``
    says the platform has one), ``answer`` (the code in the platform's reply), ``busy_codes`` (codes meaning
    "later") and ``rates`` (the platform's documented limits per robot, as (messages, window) pairs).
    """

    platform = ""
    signed = False
    busy_codes: frozenset[int] = frozenset()
    rates: tuple[tuple[int, timedelta], ...] = ()

    def __init__(self, robots: Mapping[str, RobotSettings]) -> None:
        self.robots = {name: robot for name, robot in robots.items() if robot.platform == self.platform}
        self.client = httpx.Client(follow_redirects=False)

    @abstractmethod
    def payload(self, message: Outgoing) -> dict:
        """The platform's JSON for the card."""

    def sign(self, url: str, body: dict, secret: str) -> tuple[str, dict]:
        return url, body

    def answer(self, data: dict) -> Answer:
        return Answer(int(data.get("errcode", -1)), str(data.get("errmsg", "")))

    def rate_limits(self, destination: str) -> tuple[RateLimit, ...]:
        robot = self.robots.get(destination)
        if robot is None:
            return ()
        if robot.rate_limit is not None:
            return (RateLimit(robot.rate_limit, robot.rate_window),)
        return tuple(RateLimit(count, per) for count, per in self.rates)

    def send(self, message: Outgoing) -> None:
        robot = self.robots.get(message.destination)
        if robot is None:
            raise PermanentFailure(f"no {self.platform} robot {message.destination!r} under [robots]")
        url, secret = robot.url, robot.secret
        if not url.lower().startswith(("https://", "http://")):
            raise PermanentFailure(f"robot {message.destination}: {robot.url_env} does not hold an http(s) URL")
        body = self.payload(message)
        if secret:
            url, body = self.sign(url, body, secret)
        self._post(message.destination, url, body, robot.timeout)

    def _post(self, name: str, url: str, body: dict, timeout: timedelta) -> None:
        try:
            response = self.client.post(url, json=body, timeout=timeout.total_seconds())
        except httpx.HTTPError as exc:
            # httpx names the URL in some errors; the URL holds the robot's credential.
            raise TemporaryFailure(f"robot {name}: {type(exc).__name__}") from None
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryFailure(f"robot {name}: HTTP {response.status_code}")
        if response.status_code != 200:
            raise PermanentFailure(f"robot {name}: HTTP {response.status_code}")
        try:
            answer = self.answer(response.json())
        except ValueError:
            raise TemporaryFailure(f"robot {name}: not a JSON answer") from None
        if answer.code in self.busy_codes:
            raise TemporaryFailure(f"robot {name}: {answer.code} {answer.message[:200]}")
        if answer.code != 0:
            raise PermanentFailure(f"robot {name}: {answer.code} {answer.message[:200]}")

    def close(self) -> None:
        self.client.close()


def opener(transport: type[WebhookTransport]) -> Callable[..., WebhookTransport]:
    """A robot platform's channel: its transport over the robots the settings name."""
    return lambda settings: transport(settings.robots)
