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
    """One condition that holds: ``value`` reached ``threshold`` (the level's own, or the bar above the brand's
    ``usual`` figure when that is higher)."""

    name: str
    value: float
    threshold: float
    usual: float | None = None

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
        elif self.usual is not None:
            base = f"，平常 {indicator.format(self.usual)}"
        return f"{window}{indicator.describe(self.value, self.threshold)}{base})"

    def describe_in(self, figures: Figures | None) -> str:
        if figures is None:
            return self.describe()
        return self.describe(figures.baselines.get(self.window), figures.baseline_floor)

    def to_json(self) -> dict:
        return {"name": self.name, "value": self.value, "threshold": self.threshold, "usual": self.usual}


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


def threshold_for(rule: ResolvedRule, name: str, figures: Figures) -> tuple[float, float | None]:
    """The bar condition ``name`` must reach, and the brand's usual figure when the bar depends on it.

    A relative indicator must reach its threshold *and* stand ``rule.departure`` spreads above the brand's
    normal, once the brand has one: ten regions in six hours is a crisis for a regional brand and an ordinary
    Tuesday for a national one. The threshold stays as the floor for brands whose normal is near zero."""
    threshold = rule.thresholds[name]
    relative = rule.departure > 0 and INDICATORS[name.rpartition("_")[0]].relative
    normal = figures.normals.get(name) if relative else None
    if normal is None:
        return threshold, None
    return max(threshold, normal.bar(rule.departure)), normal.center


def check(rule: ResolvedRule, figures: Figures) -> list[Finding]:
    findings = []
    for name in rule.thresholds:
        value = figures.get(name)
        if value is None:
            continue
        threshold, usual = threshold_for(rule, name, figures)
        if value >= threshold:
            findings.append(Finding(name, value, threshold, usual))
    return findings


def assess(settings: AlertSettings, figures: Figures) -> Assessment:
    assessment = Assessment(level=None)
    for level in LEVELS:
        findings = check(settings.level_rule(figures.brand, level), figures)
        if findings:
            assessment.findings[level] = findings
            assessment.level = level
    return assessment
