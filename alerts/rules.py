"""Which level holds for one (brand, scope): the conditions of each level checked against its figures."""

from __future__ import annotations

from dataclasses import dataclass, field

from alerts.catalog import INDICATORS
from alerts.config import LEVELS, AlertSettings, ResolvedRule, window_label
from alerts.indicators import Figures
from common.settings import parse_duration


def rank(level: str | None) -> int:
    """一般 0, 严重 1, 重大 2; no level -1, so any level outranks none."""
    return LEVELS.index(level) if level else -1


@dataclass(frozen=True)
class Finding:
    """One condition that holds: ``value`` reached ``threshold``."""

    name: str
    value: float
    threshold: float

    @property
    def indicator(self) -> str:
        return self.name.rpartition("_")[0]

    @property
    def window(self) -> str:
        return self.name.rpartition("_")[2]

    @property
    def ratio(self) -> float:
        return self.value / self.threshold if self.threshold else float("inf")

    def describe(self, baseline: float | None = None, floor: float = 0.0) -> str:
        """``1小时负面 56 条 (阈值 50)``: the figure against its threshold, as emails and the CLI say it."""
        indicator = INDICATORS[self.indicator]
        window = window_label(parse_duration(self.window))
        base = ""
        if indicator.unit == "倍" and baseline is not None:
            base = f"，基线 {baseline:g} 条" + (f"，按 {floor:g} 条计" if baseline < floor else "")
        return f"{window}{indicator.describe(self.value, self.threshold)}{base})"

    def describe_in(self, figures: Figures | None) -> str:
        if figures is None:
            return self.describe()
        return self.describe(figures.baselines.get(self.window), figures.baseline_floor)

    def to_json(self) -> dict:
        return {"name": self.name, "value": self.value, "threshold": self.threshold}


@dataclass
class Assessment:
    """The highest level whose conditions hold, and the conditions that hold at every level."""

    level: str | None
    findings: dict[str, list[Finding]] = field(default_factory=dict)

    @property
    def reasons(self) -> list[Finding]:
        """The findings of the level that holds, strongest first."""
        return (
            sorted(self.findings.get(self.level, []), key=lambda f: f.ratio, reverse=True)
            if self.level
            else []
        )


def check(rule: ResolvedRule, figures: Figures) -> list[Finding]:
    findings = []
    for name, threshold in rule.thresholds.items():
        value = figures.get(name)
        if value is not None and value >= threshold:
            findings.append(Finding(name, value, threshold))
    return findings


def assess(settings: AlertSettings, figures: Figures) -> Assessment:
    assessment = Assessment(level=None)
    for level in LEVELS:
        findings = check(settings.level_rule(figures.brand, level), figures)
        if findings:
            assessment.findings[level] = findings
            assessment.level = level
    return assessment
