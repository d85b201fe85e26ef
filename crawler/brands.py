"""Which configured brand a mention is about. Platform search is fuzzy, so every crawled text is re-matched here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class BrandRule:
    name: str
    aliases: tuple[str, ...] = ()
    must: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    regex: str | None = None

    def matches(self, text: str) -> bool:
        """``text`` is simplified Chinese; latin letters are compared case-insensitively."""
        folded = text.casefold()
        named = any(word.casefold() in folded for word in (self.name, *self.aliases) if word)
        if not named and self.regex:
            named = re.search(self.regex, text, flags=re.IGNORECASE) is not None
        if not named:
            return False
        if self.must and not any(word.casefold() in folded for word in self.must):
            return False
        return not any(word.casefold() in folded for word in self.exclude)


class BrandMatcher:
    """The first brand, in settings order, whose rule a text satisfies."""

    def __init__(self, rules: Sequence[BrandRule]) -> None:
        self.rules = list(rules)

    def match(self, text: str) -> str | None:
        for rule in self.rules:
            if rule.matches(text):
                return rule.name
        return None

    @classmethod
    def from_settings(cls, brands) -> BrandMatcher:
        return cls(
            [
                BrandRule(b.name, tuple(b.aliases), tuple(b.must), tuple(b.exclude), b.regex)
                for b in brands
            ]
        )
