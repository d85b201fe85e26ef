"""The response plan: what is due at each level and by when, counted from the moment the level began.

The times follow the domain rule that a 重大 issue reaches the departments concerned within 30 minutes and is
acted on the same morning; lower levels leave more room. 复盘 (review) is counted from the start as well: a
review is due even if the alert is still firing by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Step:
    name: str
    action: str
    within: timedelta


def _steps(*rows: tuple[str, str, timedelta]) -> tuple[Step, ...]:
    return tuple(Step(*row) for row in rows)


PLAN: dict[str, tuple[Step, ...]] = {
    "重大": _steps(
        ("确认", "核实事实、确认影响范围与责任部门", timedelta(minutes=15)),
        ("启动预案", "启动危机预案，成立处置小组，公关与领导到位", timedelta(minutes=30)),
        ("处置", "对涉事产品/订单采取措施，发布首次回应", timedelta(hours=2)),
        ("通报", "向领导及相关部门通报进展，必要时对外说明", timedelta(hours=4)),
        ("复盘", "事件结束后复盘原因与处置，更新预案", timedelta(days=3)),
    ),
    "严重": _steps(
        ("确认", "核实事实、确认涉及部门", timedelta(minutes=30)),
        ("启动预案", "按预案分派处置负责人", timedelta(hours=2)),
        ("处置", "联系投诉用户、处理问题并回应", timedelta(hours=12)),
        ("通报", "向公关部及相关部门通报结果", timedelta(days=1)),
        ("复盘", "复盘原因，必要时调整流程", timedelta(days=7)),
    ),
    "一般": _steps(
        ("确认", "查看相关提及，判断是否需要处理", timedelta(hours=2)),
        ("处置", "由责任部门跟进、回复用户", timedelta(days=1)),
        ("复盘", "纳入周报复盘", timedelta(days=7)),
    ),
}


@dataclass(frozen=True)
class DueStep:
    name: str
    action: str
    deadline: datetime


def due_steps(level: str, since: datetime) -> list[DueStep]:
    return [DueStep(step.name, step.action, since + step.within) for step in PLAN.get(level, ())]
