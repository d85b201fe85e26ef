"""Grade of a mention, 一般 / 严重 / 重大, with the reasons that led to it.

Each signal adds points: crisis words in the text (safety, legal or regulator, media, collective action),
strong negativity, and reach (followers, engagement, a media account). The points decide the grade, so a
single angry post stays 一般 while the same post from a media account with 100万 followers, or any safety
incident with some reach, climbs. Crisis words count only in texts that are not clearly positive, and not
right after a negator (没有起火 is not a fire).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

GRADES = ("一般", "严重", "重大")


@dataclass(frozen=True)
class WordSignal:
    name: str  # shown in the reason: "安全事件: 起火"
    words: tuple[str, ...]
    points: int


def _default_signals() -> tuple[WordSignal, ...]:
    return (
        WordSignal(
            "安全事件",
            (
                "起火",
                "着火",
                "自燃",
                "爆炸",
                "爆燃",
                "冒烟",
                "烧毁",
                "中毒",
                "食物中毒",
                "受伤",
                "烫伤",
                "骨折",
                "触电",
                "漏电",
                "死亡",
                "身亡",
                "致死",
                "丧命",
                "住院",
                "送医",
                "抢救",
                "刹车失灵",
                "断轴",
                "失控",
                "安全隐患",
            ),
            3,
        ),
        WordSignal(
            "法律/监管",
            (
                "起诉",
                "律师",
                "律师函",
                "法院",
                "立案",
                "仲裁",
                "报警",
                "315",
                "12315",
                "消协",
                "消费者协会",
                "市场监管",
                "工商局",
                "举报",
                "黑猫投诉",
                "召回",
            ),
            2,
        ),
        WordSignal("媒体", ("曝光", "记者", "报道", "媒体", "央视", "热搜", "新闻"), 2),
        WordSignal(
            "集体行动", ("集体", "维权", "多人", "多名", "大量用户", "车主群", "联名", "抵制", "拉横幅"), 2
        ),
    )


@dataclass(frozen=True)
class GradeConfig:
    signals: tuple[WordSignal, ...] = field(default_factory=_default_signals)
    # At or above this P(positive) crisis words are ignored: praise of a fire extinguisher is no fire.
    positive_gate: float = 0.65
    strong_negative: float = 0.1
    strong_negative_points: int = 1
    followers_serious: int = 100_000
    followers_major: int = 1_000_000
    engagement_serious: int = 1_000
    engagement_major: int = 10_000
    media_points: int = 1
    serious_points: int = 2
    major_points: int = 5
    max_words_per_signal: int = 2

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        words = {word for signal in self.signals for word in signal.words}
        return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))

    @cached_property
    def _signal_of(self) -> dict[str, WordSignal]:
        return {word: signal for signal in self.signals for word in signal.words}


DEFAULT_GRADE_CONFIG = GradeConfig()
SIGNAL_NAMES = tuple(signal.name for signal in DEFAULT_GRADE_CONFIG.signals)


def with_extra_words(config: GradeConfig, extra: dict[str, Iterable[str]], **thresholds: int) -> GradeConfig:
    """``config`` with a team's own crisis words added to named signals, and thresholds replaced."""
    unknown = set(extra) - {signal.name for signal in config.signals}
    if unknown:
        raise ValueError(f"unknown grade signal {sorted(unknown)[0]!r} (known: {', '.join(SIGNAL_NAMES)})")
    signals = tuple(
        WordSignal(signal.name, tuple(dict.fromkeys((*signal.words, *extra.get(signal.name, ())))), signal.points)
        for signal in config.signals
    )
    return replace(config, signals=signals, **thresholds)
_NEGATORS = ("没", "未", "无", "不", "非", "别")


def grade(
    text: str,
    sentiment: float,
    *,
    followers: int | None = None,
    engagement: int | None = None,
    is_media: bool = False,
    config: GradeConfig = DEFAULT_GRADE_CONFIG,
) -> tuple[str, list[str]]:
    """The grade of a simplified text and the short Chinese reasons behind it."""
    points = 0
    reasons: list[str] = []
    if sentiment < config.positive_gate:
        points += _word_signals(text, config, reasons)
    if sentiment < config.strong_negative:
        points += config.strong_negative_points
        reasons.append(f"强烈负面 {sentiment:.2f}")
    if followers is not None and followers >= config.followers_serious:
        points += 2 if followers >= config.followers_major else 1
        reasons.append(f"粉丝 {format_count(followers)}")
    if engagement is not None and engagement >= config.engagement_serious:
        points += 2 if engagement >= config.engagement_major else 1
        reasons.append(f"互动 {format_count(engagement)}")
    if is_media:
        points += config.media_points
        reasons.append("媒体账号")
    if points >= config.major_points:
        return "重大", reasons
    if points >= config.serious_points:
        return "严重", reasons
    return "一般", reasons


def _word_signals(text: str, config: GradeConfig, reasons: list[str]) -> int:
    found: dict[str, list[str]] = {}
    for match in config._pattern.finditer(text):
        before = text[max(0, match.start() - 2) : match.start()]
        if any(negator in before for negator in _NEGATORS):
            continue
        signal = config._signal_of[match.group()]
        words = found.setdefault(signal.name, [])
        if match.group() not in words:
            words.append(match.group())
    points = 0
    for signal in config.signals:
        words = found.get(signal.name)
        if words:
            points += signal.points
            reasons.append(f"{signal.name}: {'、'.join(words[: config.max_words_per_signal])}")
    return points


def format_count(value: int) -> str:
    """1200000 -> 120万, 12000 -> 1.2万, 1.5亿; below 1万 the plain number."""
    if value >= 100_000_000:
        return f"{value / 100_000_000:.1f}".rstrip("0").rstrip(".") + "亿"
    if value >= 10_000:
        return f"{value / 10_000:.1f}".rstrip("0").rstrip(".") + "万"
    return str(value)
