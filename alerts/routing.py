"""Who hears about an alert: the departments concerned by its complaint categories, PR always, leadership at
重大; each department by its email addresses and its chat robots, in any mix."""

from __future__ import annotations

from collections.abc import Mapping

from alerts.config import ALL_SCOPE, AlertSettings
from delivery.config import MailSettings, RobotSettings

PR = "pr"
LEADERSHIP = "leadership"
OPERATIONS = "operations"

DEPARTMENT_NAMES = {
    "pr": "公关部",
    "quality": "质量部",
    "customer_service": "客服部",
    "logistics": "物流部",
    "after_sales": "售后部",
    "leadership": "公司领导",
    "operations": "运维",
}


def departments_for(
    alerts: AlertSettings, *, scope: str, level: str | None, categories: Mapping[str, float]
) -> list[str]:
    """Department keys for a brand alert. A category alert goes to its category's department; a brand-wide
    alert to the departments of every category with at least ``route_min_share`` of the negative mentions, so
    a crisis that is mostly about delivery does not land on the quality team's desk only because one post
    mentioned it."""
    departments = [PR]
    if scope != ALL_SCOPE:
        concerned = [scope]
    else:
        total = sum(categories.values())
        concerned = [
            c
            for c, n in sorted(categories.items(), key=lambda kv: -kv[1])
            if total and n / total >= alerts.route_min_share
        ]
    for category in concerned:
        department = alerts.categories.get(category)
        if department and department not in departments:
            departments.append(department)
    if level == "重大":
        departments.append(LEADERSHIP)
    return departments


def addresses(mail: MailSettings, departments: list[str]) -> list[str]:
    """Every address of the departments, each once, in department order."""
    seen: list[str] = []
    for department in departments:
        for address in mail.departments.get(department, []):
            if address not in seen:
                seen.append(address)
    return seen


def robots_for(robots: Mapping[str, RobotSettings], departments: list[str]) -> list[str]:
    """The robots posting to any of the departments' chat groups, each once, in settings order."""
    return [name for name, robot in robots.items() if set(robot.departments) & set(departments)]
