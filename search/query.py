"""The search query language, one parser for ``yuqing search``, the web page and the API.

    小米 汽车            both words (substrings: 小米 is found inside 小米汽车)
    退款 OR 投诉         either
    -广告                without
    "内胆 脱落"          the exact text, space included
    (退款 OR 投诉) 内胆  grouping
    brand:青禾 source:tieba kind:forum sentiment:neg category:产品质量 grade:严重 region:广东
    since:2026-11-01 until:2026-11-20 since:7d since:24h

Whatever is typed parses: a stray quote runs to the end, an unmatched parenthesis is an ordinary
character, ``OR`` where no operator can stand is the word "OR", and an unknown ``name:value`` is just text.
A :class:`QueryError`, worded for the user, is a filter with a value it cannot take (``sentiment:bad``,
``grade:不存在``, ``since:yesterday``, ``until:9999-12-31``; ``brand:`` and ``source:`` with a name nobody
configured, when the caller gives the :class:`Vocabulary`), or a query too complex to run (more than
``MAX_TERMS`` words, groups and negations nested deeper than ``MAX_NESTING``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache

from common.settings import DURATION_PATTERN, SOURCE_KINDS, parse_duration
from nlp.category import CATEGORIES
from nlp.grade import GRADES
from nlp.region import PROVINCES
from search.fold import fold

QUOTES = {'"': '"', "“": "”", "”": "”", "「": "」"}
OPEN, CLOSE = "(（", ")）"
COLONS = ":："

KIND_ALIASES = {"社交": "social", "论坛": "forum", "投诉": "complaint", "评价": "review", "点评": "review",
                "新闻": "news", "媒体": "news"}
SENTIMENT_ALIASES = {"neg": "negative", "negative": "negative", "负面": "negative", "负": "negative",
                     "neu": "neutral", "neutral": "neutral", "中性": "neutral", "中": "neutral",
                     "pos": "positive", "positive": "positive", "正面": "positive", "正": "positive"}
TEXT_FIELDS = ("brand", "source", "category", "grade", "region")
FIELDS = (*TEXT_FIELDS, "kind", "sentiment", "since", "until")
# Longer than this a query is someone pasting a page; the tail is dropped rather than run.
MAX_QUERY_CHARS = 500
MAX_TERMS = 32
# Each level is a nested NOT or parenthesis in SQL; about 50 overflowed SQLite's parser stack (an HTTP 500).
MAX_NESTING = 12
# An error listing valid brands or sources names this many; a long list would bury the line's point.
MAX_LISTED = 8
# Stored posts fall in this range; beyond it date arithmetic overflows and the index key has no room.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class QueryError(ValueError):
    """A filter value the language cannot take; the message is shown to the user as is."""


def _nothing_stored(_field: str, _value: str) -> bool:
    return False


@dataclass(frozen=True)
class Vocabulary:
    """The names ``brand:`` and ``source:`` can take here; any other would silently match nothing.

    ``brands`` maps each configured name and alias, folded as search folds text (品質 is 品质, QH is qh), to the
    brand's name, which is what mentions store. ``stored`` says whether stored data still carries a value settings
    no longer name (a brand since removed, a source only ever imported): those are found, not refused.
    """

    brands: Mapping[str, str]
    sources: tuple[str, ...]
    stored: Callable[[str, str], bool] = _nothing_stored

    @classmethod
    def of(cls, brands: Mapping[str, list[str]], sources: list[str],
           stored: Callable[[str, str], bool] = _nothing_stored) -> Vocabulary:
        """From each brand's name and its aliases, and the configured source names."""
        folded = {fold(alias): name for name, aliases in brands.items() for alias in aliases}
        folded.update({fold(name): name for name in brands})
        return cls(folded, tuple(sources), stored)

    def resolve(self, name: str, value: str) -> str:
        """The value the column holds for what was typed: a brand's alias becomes its name."""
        if name == "brand" and (brand := self.brands.get(fold(value))):
            return brand
        if (name == "source" and value in self.sources) or self.stored(name, value):
            return value
        known = list(dict.fromkeys(self.brands.values())) if name == "brand" else list(self.sources)
        listed = "、".join(known[:MAX_LISTED]) + (f" 等 {len(known)} 个" if len(known) > MAX_LISTED else "")
        raise QueryError(f"{name}:{value} 无效，可选 {listed or '（未配置）'}")


@dataclass(frozen=True)
class Term:
    """Text that must occur in the title or the body, taken literally (case-insensitive for Latin letters)."""

    text: str


@dataclass(frozen=True)
class Filter:
    field: str
    value: str | datetime


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Filter | Not | And | Or


@dataclass(frozen=True)
class Query:
    """A parsed query: ``node`` is None for the empty query (every mention, newest first)."""

    text: str
    node: Node | None
    notes: tuple[str, ...] = field(default=())

    @property
    def terms(self) -> list[str]:
        """The words to highlight: every term not under a ``-``."""
        return positive_terms(self.node) if self.node else []

    def time_bounds(self) -> tuple[datetime | None, datetime | None]:
        """``since``/``until`` that every result obeys (top-level filters), for index range scans."""
        nodes = self.node.nodes if isinstance(self.node, And) else (self.node,)
        since = [n.value for n in nodes if isinstance(n, Filter) and n.field == "since"]
        until = [n.value for n in nodes if isinstance(n, Filter) and n.field == "until"]
        return (max(since) if since else None, min(until) if until else None)


def positive_terms(node: Node) -> list[str]:
    if isinstance(node, Term):
        return [node.text]
    if isinstance(node, And | Or):
        return [t for child in node.nodes for t in positive_terms(child)]
    return []


# ---- tokens ----------------------------------------------------------------------

@dataclass
class _Token:
    kind: str  # "word", "phrase", "filter", "open", "close", "or", "and", "neg"
    text: str = ""
    field: str = ""


def _matched_parens(text: str) -> set[int]:
    """Positions of parentheses that pair up outside quotes; the others are ordinary characters."""
    stack: list[int] = []
    pairs: set[int] = set()
    closing_quote = None
    for i, char in enumerate(text):
        if closing_quote:
            if char == closing_quote:
                closing_quote = None
        elif char in QUOTES:
            closing_quote = QUOTES[char]
        elif char in OPEN:
            stack.append(i)
        elif char in CLOSE and stack:
            pairs.update((stack.pop(), i))
    return pairs


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The text inside the quote at ``start`` and the position after it; a stray quote runs to the end."""
    end = text.find(QUOTES[text[start]], start + 1)
    if end < 0:
        return text[start + 1:], len(text)
    return text[start + 1:end], end + 1


def _tokens(text: str) -> list[_Token]:
    parens = _matched_parens(text)
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif i in parens:
            tokens.append(_Token("open" if char in OPEN else "close"))
            i += 1
        elif char in QUOTES:
            phrase, i = _read_quoted(text, i)
            tokens.append(_Token("phrase", phrase))
        elif char in "-－" and i + 1 < len(text) and not text[i + 1].isspace() and text[i + 1] not in "-－":
            tokens.append(_Token("neg"))
            i += 1
        else:
            i = _read_word(text, i, parens, tokens)
    return tokens


def _read_word(text: str, i: int, parens: set[int], tokens: list[_Token]) -> int:
    start = i
    while i < len(text) and not text[i].isspace() and i not in parens and text[i] not in QUOTES:
        if text[i] in COLONS and text[start:i].lower() in FIELDS:
            name = text[start:i].lower()
            if i + 1 < len(text) and text[i + 1] in QUOTES:
                value, i = _read_quoted(text, i + 1)
            else:
                end = i + 1
                while end < len(text) and not text[end].isspace() and end not in parens:
                    end += 1
                value, i = text[i + 1:end], end
            tokens.append(_Token("filter", value.strip(), name))
            return i
        i += 1
    word = text[start:i]
    kind = {"OR": "or", "AND": "and"}.get(word, "word")
    tokens.append(_Token(kind, word))
    return i


def _resolve_operators(tokens: list[_Token]) -> list[_Token]:
    """``OR``/``AND`` are operators only between two operands; anywhere else they are the words themselves."""
    starts = {"word", "phrase", "filter", "open", "neg", "or", "and"}
    resolved: list[_Token] = []
    for index, token in enumerate(tokens):
        if token.kind in ("or", "and"):
            previous = resolved[-1].kind if resolved else None
            following = tokens[index + 1].kind if index + 1 < len(tokens) else None
            if previous not in ("word", "phrase", "filter", "close") or following not in starts:
                token = _Token("word", token.text)
        resolved.append(token)
    return resolved


# ---- grammar ----------------------------------------------------------------------

class _Parser:
    """or := and (OR and)*; and := unary+; unary := '-' unary | atom; atom := '(' or ')' | word | filter"""

    def __init__(self, tokens: list[_Token], tz: tzinfo, now: datetime, vocabulary: Vocabulary | None) -> None:
        self.tokens = tokens
        self.position = 0
        self.tz = tz
        self.now = now
        self.vocabulary = vocabulary
        self.terms = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse(self) -> Node | None:
        nodes = []
        while self.peek() is not None:
            node = self.or_expression()
            if node is not None:
                nodes.append(node)
            elif self.peek() is not None:
                self.take()  # a token no rule starts with (a dangling operator): nothing to search for
        return _and(nodes)

    def or_expression(self) -> Node | None:
        options = [self.and_expression()]
        while (token := self.peek()) and token.kind == "or":
            self.take()
            options.append(self.and_expression())
        options = [o for o in options if o is not None]
        if len(options) <= 1:
            return options[0] if options else None
        return Or(tuple(options))

    def and_expression(self) -> Node | None:
        nodes = []
        while (token := self.peek()) and token.kind not in ("or", "close"):
            if token.kind == "and":
                self.take()
                continue
            node = self.unary()
            if node is not None:
                nodes.append(node)
        return _and(nodes)

    def unary(self) -> Node | None:
        token = self.take()
        if token.kind == "neg":
            if self.peek() is None or self.peek().kind in ("or", "and", "close"):
                return self.term("-")
            with self.nested():
                node = self.unary()
            return Not(node) if node is not None else None
        if token.kind == "open":
            with self.nested():
                node = self.or_expression()
            if (closing := self.peek()) and closing.kind == "close":
                self.take()
            return node
        if token.kind == "filter":
            return self.filter(token)
        return self.term(token.text)

    @contextmanager
    def nested(self) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise QueryError(f"查询太复杂：括号和排除最多嵌套 {MAX_NESTING} 层")
        try:
            yield
        finally:
            self.depth -= 1

    def term(self, text: str) -> Term | None:
        if not text.strip():
            return None
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"查询太复杂：最多 {MAX_TERMS} 个词")
        return Term(text)

    def filter(self, token: _Token) -> Filter:
        return Filter(token.field, filter_value(token.field, token.text, self.tz, self.now, self.vocabulary))


def _and(nodes: list[Node]) -> Node | None:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def filter_value(name: str, value: str, tz: tzinfo, now: datetime,
                 vocabulary: Vocabulary | None = None) -> str | datetime:
    """A filter's value, checked and normalised: ``sentiment:neg`` -> ``negative``, ``since:7d`` -> a time,
    ``category:產品質量`` -> ``产品质量``, a brand's alias -> its name (with a ``vocabulary``)."""
    if not value:
        raise QueryError(f"{name}: 后面需要一个值，例如 {_EXAMPLES[name]}")
    if name == "kind":
        kind = KIND_ALIASES.get(value, value.lower())
        if kind not in SOURCE_KINDS:
            raise QueryError(f"kind:{value} 无效，可选 {'、'.join(SOURCE_KINDS)}")
        return kind
    if name == "sentiment":
        label = SENTIMENT_ALIASES.get(value.lower())
        if label is None:
            raise QueryError(f"sentiment:{value} 无效，可选 neg（负面）、neu（中性）、pos（正面）")
        return label
    if name in ("since", "until"):
        return parse_moment(value, tz, now, end_of_day=name == "until")
    if name in _CHOICES:
        choice = _folded_choices(name).get(fold(value))
        if choice is None:
            raise QueryError(f"{name}:{value} 无效，可选 {'、'.join(_CHOICES[name])}")
        return choice
    if name in ("brand", "source") and vocabulary is not None:
        return vocabulary.resolve(name, value)
    return value


_EXAMPLES = {"brand": "brand:青禾", "source": "source:tieba", "kind": "kind:forum",
             "sentiment": "sentiment:neg", "category": "category:产品质量", "grade": "grade:严重",
             "region": "region:广东", "since": "since:7d", "until": "until:2026-11-20"}
# Values the pipeline can store; anything else would silently match nothing.
_CHOICES = {"grade": GRADES, "category": CATEGORIES, "region": PROVINCES}


@cache
def _folded_choices(name: str) -> dict[str, str]:
    return {fold(choice): choice for choice in _CHOICES[name]}


_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def parse_moment(value: str, tz: tzinfo, now: datetime, *, end_of_day: bool = False) -> datetime:
    """``7d``/``24h`` back from now, a date (its start; its end with ``end_of_day``), or an ISO date-time,
    between 1900 and 2100."""
    out_of_range = QueryError(f"时间 {value!r} 超出范围：只能在 1900 年到 2100 年之间")
    try:
        moment = _moment(value, tz, now, end_of_day)
    except OverflowError:
        raise out_of_range from None
    except ValueError:
        if DURATION_PATTERN.match(value):
            raise QueryError(f"时长 {value!r} 太长：最多 100 年") from None
        raise QueryError(f"时间 {value!r} 无效：写日期 2026-11-01，或时长 7d、24h") from None
    if not EARLIEST <= moment <= LATEST:
        raise out_of_range
    return moment


def _moment(value: str, tz: tzinfo, now: datetime, end_of_day: bool) -> datetime:
    if DURATION_PATTERN.match(value):
        return now - parse_duration(value)
    if _DATE.match(value):
        year, month, day = (int(p) for p in value.split("-"))
        moment = datetime.combine(date(year, month, day), time(), tzinfo=tz)
        return moment + timedelta(days=1) if end_of_day else moment
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def parse_query(text: str, tz: tzinfo, now: datetime, vocabulary: Vocabulary | None = None) -> Query:
    """Parse what the user typed; raises :class:`QueryError` only for a filter value that cannot be used.

    Without a ``vocabulary`` any brand or source name is taken as is: for queries built from settings (the
    digest, the overview), not for what a user types."""
    text = (text or "").replace("\x00", "")
    notes = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"查询过长，只使用了前 {MAX_QUERY_CHARS} 个字符")
    parser = _Parser(_resolve_operators(_tokens(text)), tz, now, vocabulary)
    return Query(text=text, node=parser.parse(), notes=tuple(notes))
