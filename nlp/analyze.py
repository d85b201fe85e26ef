"""One mention in, its analysis out: the function the pipeline, ``yuqing analyze`` and the benchmark call.

Every stage reads the same normalised text and the same single jieba pass: sentiment, category, grade,
keywords and fingerprint. Segmentation was the expensive step, and compiled (``nlp/segment.py``) it is still a
tenth of the analysis: a second pass anywhere would pay it again for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from nlp import segment
from nlp.brand import BrandSignals
from nlp.category import load_category_model
from nlp.cluster import fingerprint_tokens
from nlp.features import sentiment_features
from nlp.grade import DEFAULT_GRADE_CONFIG, GradeConfig, grade
from nlp.hotwords import keywords
from nlp.region import normalize_region, region_from_text
from nlp.sentiment import load_model
from nlp.text import remove_noise, split_emoticons, to_simplified

KEYWORDS_PER_TEXT = 5


@dataclass(frozen=True)
class Analysis:
    sentiment: float  # P(positive) in [0, 1]
    label: str  # "negative" | "neutral" | "positive"
    category: str | None  # one of nlp.category.CATEGORIES, None when not a complaint
    grade: str  # "一般" | "严重" | "重大"
    reasons: list[str]
    region: str | None  # province short name
    keywords: list[str]
    tokens: list[str]
    fingerprint: int  # signed 64-bit SimHash

    def to_dict(self, *, with_tokens: bool = False) -> dict:
        result = {
            "sentiment": round(self.sentiment, 4),
            "label": self.label,
            "category": self.category,
            "grade": self.grade,
            "reasons": self.reasons,
            "region": self.region,
            "keywords": self.keywords,
            "fingerprint": self.fingerprint,
        }
        if with_tokens:
            result["tokens"] = self.tokens
        return result


class Analyzer:
    """Holds the loaded model and settings; ``analyze`` is safe to call from many threads."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        brand_words: Iterable[str] = (),
        neutral_band: float = 0.15,
        grade_config: GradeConfig | None = None,
    ) -> None:
        if not 0 <= neutral_band < 0.5:
            raise ValueError("neutral_band must be at least 0 and below 0.5")
        self.model = load_model(model_path)
        self.category_model = load_category_model()
        self.brand_words = frozenset(to_simplified(word.strip()) for word in brand_words if word.strip())
        self.brand_signals = BrandSignals(self.brand_words)
        segment.add_words(self.brand_words)
        self.neutral_band = neutral_band
        self.brand_negative_below = 0.5 - neutral_band
        self.grade_config = grade_config or DEFAULT_GRADE_CONFIG

    def label(self, sentiment: float) -> str:
        if sentiment < 0.5 - self.neutral_band:
            return "negative"
        if sentiment > 0.5 + self.neutral_band:
            return "positive"
        return "neutral"

    def _brand_directed(self, sentiment: float, body: str) -> float:
        """A warning, boycott, recall or lost comparison is bad news for the brand however calmly worded; a won
        comparison is good news although it speaks of others' faults."""
        if sentiment >= self.brand_negative_below and self.brand_signals.signal(body):
            return self.brand_negative_below / 2
        if sentiment <= 1 - self.brand_negative_below and self.brand_signals.wins_comparison(body):
            return 1 - self.brand_negative_below / 2
        return sentiment

    def analyze(
        self,
        text: str,
        *,
        title: str = "",
        region_hint: str | None = None,
        followers: int | None = None,
        reposts: int | None = None,
        comments: int | None = None,
        likes: int | None = None,
        is_media: bool = False,
    ) -> Analysis:
        if title:
            text = f"{title}。{text}"
        body, emoticons = split_emoticons(remove_noise(to_simplified(text)))
        tokens = segment.cut(body)
        sentiment = self.model.probability(sentiment_features(tokens, emoticons), body)
        sentiment = self._brand_directed(sentiment, body)
        counts = [n for n in (reposts, comments, likes) if n is not None]
        grade_name, reasons = grade(
            body,
            sentiment,
            followers=followers,
            engagement=sum(counts) if counts else None,
            is_media=is_media,
            config=self.grade_config,
        )
        region = normalize_region(region_hint) if region_hint else None
        return Analysis(
            sentiment=sentiment,
            label=self.label(sentiment),
            category=self.category_model.classify(body) if sentiment < 0.5 else None,
            grade=grade_name,
            reasons=reasons,
            region=region or region_from_text(body),
            keywords=keywords(tokens, KEYWORDS_PER_TEXT, self.brand_words),
            tokens=tokens,
            fingerprint=fingerprint_tokens(tokens),
        )
