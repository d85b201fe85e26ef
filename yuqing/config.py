"""The one settings model. Loaded and validated once at start-up, then passed in; no other module reads the file.

Every section is strict (unknown keys are errors) so a typo fails at start-up with the key named, not at 3 a.m.
Secrets never live in the file: keys ending in ``_env`` name the environment variable that holds them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator

from alerts.config import AlertSettings
from common.settings import (
    SOURCE_KINDS,
    SOURCE_NAME_PATTERN,
    Duration,
    PositiveDuration,
    Section,
    SourceKind,
    parse_duration,
)
from delivery.config import MailSettings, RobotSettings, missing_robot_secrets
from digest.config import DigestSettings
from web.config import WebSettings

__all__ = ["SOURCE_KINDS", "Duration", "Section", "SourceKind", "parse_duration"]

class StorageSettings(Section):
    url: str = "sqlite:///var/yuqing.db"
    # Names the variable holding the URL, so a PostgreSQL password need not live in the file.
    url_env: str | None = None
    retention: Duration = timedelta(days=365)

    @model_validator(mode="after")
    def _one_url(self) -> StorageSettings:
        if self.url_env and "url" in self.model_fields_set:
            raise ValueError("give url or url_env, not both")
        return self

    @property
    def database_url(self) -> str:
        """The URL to connect to: from ``url_env``'s variable when set (checked at start-up), else ``url``."""
        return os.environ.get(self.url_env, "") if self.url_env else self.url

    def missing_secrets(self, environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
        return [("storage.url_env", self.url_env)] if self.url_env and not environ.get(self.url_env) else []


class BrandSettings(Section):
    name: str = Field(min_length=1)
    aliases: list[str] = []
    must: list[str] = []
    exclude: list[str] = []
    regex: str | None = None
    # Source name -> the brand's own account names on it: their posts are its response (官方回应), not complaints.
    official_accounts: dict[str, list[str]] = {}

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @property
    def keywords(self) -> list[str]:
        """The words a platform search is asked for: the name and every alias."""
        return [self.name, *[a for a in self.aliases if a != self.name]]


class SourceSettings(Section):
    name: str = Field(min_length=1, max_length=100, pattern=SOURCE_NAME_PATTERN)
    kind: SourceKind
    spider: str = Field(min_length=1)
    urls: list[str] = []
    base_url: str | None = None
    keywords: list[str] = []
    forums: list[str] = []
    interval: PositiveDuration = timedelta(minutes=30)
    enabled: bool = True
    max_pages: int = Field(default=5, ge=1, le=1000)
    lookback: Duration = timedelta(days=7)
    backoff: Duration = timedelta(hours=2)
    delay: float = Field(default=1.0, ge=0)
    throttle: bool = True
    obey_robots: bool = True
    cookie_env: str | None = None
    selectors: dict[str, str] = {}
    # Keyword fan-out (crawler/fanout.py): 0 sends every search every run.
    searches_per_run: int = Field(default=0, ge=0, le=10_000)
    combine_with: str = Field(default="", max_length=10)
    terms_per_search: int = Field(default=5, ge=1, le=50)

    @property
    def cookie(self) -> str | None:
        return os.environ.get(self.cookie_env) if self.cookie_env else None

    def missing_secrets(self, environ: Mapping[str, str]) -> list[tuple[str, str | None]]:
        """The cookie named but not set: the crawl would go out logged out and bring back a login wall or
        nothing, looking like a quiet day."""
        if self.cookie_env and not environ.get(self.cookie_env):
            return [(f"sources.{self.name}.cookie_env", self.cookie_env)]
        return []

    @model_validator(mode="after")
    def _crawlable(self) -> SourceSettings:
        """What would only fail when the crawl starts fails here: the spider, its required keys, the addresses."""
        from crawler.sites import SITES

        site = SITES.get(self.spider)
        if site is None:
            raise ValueError(f"spider: unknown spider {self.spider!r} (known: {', '.join(sorted(SITES))})")
        for key in site.requires:
            if not getattr(self, key):
                raise ValueError(f"{key}: the {self.spider} spider needs {key}")
        for url in [*self.urls, *([self.base_url] if self.base_url else [])]:
            if not re.match(r"^https?://[^/\s]+", url):
                raise ValueError(f"{url!r} is not an http(s) address")
        site.check_source(self)
        return self


class GradeSettings(Section):
    """A team's own crisis words per grade signal, and the reach thresholds (defaults in ``nlp/grade.py``)."""

    words: dict[str, list[str]] = {}
    followers_serious: int | None = Field(default=None, ge=0)
    followers_major: int | None = Field(default=None, ge=0)
    engagement_serious: int | None = Field(default=None, ge=0)
    engagement_major: int | None = Field(default=None, ge=0)

    @field_validator("words")
    @classmethod
    def _known_signals(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        from nlp.grade import SIGNAL_NAMES

        for name in value:
            if name not in SIGNAL_NAMES:
                raise ValueError(f"unknown grade signal {name!r} (known: {', '.join(SIGNAL_NAMES)})")
        return value

    def thresholds(self) -> dict[str, int]:
        return {key: value for key, value in self.model_dump(exclude={"words"}).items() if value is not None}


class NlpSettings(Section):
    model: str = "default"
    neutral_band: float = Field(default=0.15, ge=0, lt=0.5)
    grade: GradeSettings = GradeSettings()


class CrawlSettings(Section):
    """Settings shared by every crawl."""

    # When the variable it names holds a redis URL, crawls share a scrapy-redis request queue and duplicate
    # filter, so several crawler processes (on one machine or many) split one source's pages between them.
    redis_url_env: str | None = None
    # Several deployments (or tests) can share one redis: every key starts with this.
    redis_prefix: str = Field(default="yuqing", pattern=r"^[A-Za-z0-9_.-]+$")
    # A crawl worker's concurrent requests per source; the site's delay is kept fleet-wide on top of it.
    worker_concurrency: int = Field(default=4, ge=1, le=64)

    @property
    def redis_url(self) -> str | None:
        return os.environ.get(self.redis_url_env) if self.redis_url_env else None


class SchedulerSettings(Section):
    """The daemon (``yuqing run``): how long a crawl may take, how runs are spread, what a late run may still do."""

    crawl_timeout: PositiveDuration = timedelta(minutes=15)
    crawl_timeouts: dict[str, PositiveDuration] = {}
    # Sources sharing an interval would otherwise all start in the same second and hit the CPU (and a site) at once.
    jitter: Duration = timedelta(seconds=30)
    misfire_grace: Duration = timedelta(minutes=15)
    max_parallel_crawls: int = Field(default=2, ge=1, le=32)
    outbox_interval: PositiveDuration = timedelta(seconds=30)
    retention_time: str = Field(default="03:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    stop_grace: Duration = timedelta(seconds=60)

    def crawl_timeout_for(self, source: str) -> timedelta:
        return self.crawl_timeouts.get(source, self.crawl_timeout)


class Settings(Section):
    timezone: str = "Asia/Shanghai"
    storage: StorageSettings = StorageSettings()
    nlp: NlpSettings = NlpSettings()
    crawl: CrawlSettings = CrawlSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    # A monitor with no brand watches nothing; validated even when absent, so the error names the section.
    brands: list[BrandSettings] = Field(default=[], validate_default=True)
    sources: list[SourceSettings] = []
    alerts: AlertSettings = AlertSettings()
    mail: MailSettings = MailSettings()
    robots: dict[str, RobotSettings] = {}
    web: WebSettings = WebSettings()
    digest: DigestSettings = DigestSettings()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("brands")
    @classmethod
    def _some_brand(cls, value: list[BrandSettings]) -> list[BrandSettings]:
        if not value:
            raise ValueError("at least one [[brands]] entry is required (name = \"...\"): there is nothing to watch")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        for label, names in (("brands", [b.name for b in self.brands]), ("sources", [s.name for s in self.sources])):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{label}: duplicate name {dupes[0]!r}")
        return self

    @model_validator(mode="after")
    def _robots_reach_departments(self) -> Settings:
        from alerts.routing import DEPARTMENT_NAMES
        from delivery.channels import ROBOTS

        known = {*DEPARTMENT_NAMES, *self.alerts.categories.values(), self.digest.department}
        for name, robot in self.robots.items():
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                raise ValueError(f"robots.{name}: a robot name is letters, digits, '_', '.' or '-'")
            if robot.platform not in ROBOTS:
                raise ValueError(f"robots.{name}.platform: unknown platform {robot.platform!r} "
                                 f"(known: {', '.join(ROBOTS)})")
            if robot.secret_env and not ROBOTS[robot.platform].signed:
                raise ValueError(f"robots.{name}.secret_env: {robot.platform} robots are not signed")
            for department in robot.departments:
                if department not in known:
                    raise ValueError(f"robots.{name}.departments: unknown department {department!r} "
                                     f"(known: {', '.join(sorted(known))})")
        return self

    @model_validator(mode="after")
    def _official_sources(self) -> Settings:
        known = {s.name for s in self.sources}
        for brand in self.brands:
            for source in brand.official_accounts:
                if source not in known:
                    raise ValueError(f"brands {brand.name!r}: official_accounts names unknown source {source!r} "
                                     f"(known: {', '.join(sorted(known)) or 'none configured'})")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source(self, name: str) -> SourceSettings:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none configured"
        raise SettingsError(f"unknown source {name!r} (known: {known})")


class SettingsError(Exception):
    """A settings problem, worded as the one line the user sees."""


def _describe(error: dict, path: Path) -> str:
    location = ""
    for part in error["loc"]:
        location += f"[{part}]" if isinstance(part, int) else (f".{part}" if location else str(part))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{path}: {location or '(top level)'}: {message}"


def load_settings(path: str | os.PathLike[str]) -> Settings:
    """Read and validate a settings file; every problem becomes one :class:`SettingsError` line."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{path}: settings file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read the settings file: {exc.strerror}") from None
    if not raw:
        raise SettingsError(f"{path}: the file is empty: it needs at least a [[brands]] entry "
                            "(the shipped settings.toml is a commented example)")
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(_describe(exc.errors()[0], path)) from None
    check_secrets(settings, path)
    return settings


def check_secrets(settings: Settings, path: Path, environ: Mapping[str, str] = os.environ) -> None:
    """Every secret the settings need must be in the environment now, at start-up: a missing SMTP password found
    at the first alert would be retried for ever as if the server were down.

    A disabled source's cookie is not needed until ``yuqing crawl --force`` asks for it (that command checks it).
    ``[crawl] redis_url_env`` is no secret that must be there: unset, crawls run locally, as settings.toml says;
    the fleet roles, which need it, refuse to start without it."""
    sources = [missing for source in settings.sources if source.enabled for missing in source.missing_secrets(environ)]
    for key, variable in (*settings.storage.missing_secrets(environ), *settings.mail.missing_secrets(environ),
                          *missing_robot_secrets(settings.robots, environ), *sources):
        raise SettingsError(f"{path}: {key}: environment variable {variable or '(none named)'} is not set")
