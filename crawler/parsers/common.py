"""What every site parser needs: decoding bytes as the page declares, JSON envelopes, HTML to text, counts.

The HTTP ``Content-Type`` header never reaches a parser (it takes bytes, so it runs on a saved file), so
decoding trusts the page's own declaration and falls back to telling UTF-8 from GB18030 by validity.

Pages are parsed the way a browser parses them: lexbor (through selectolax) builds the tree by the HTML5
tree-construction rules, so content after ``</html>``, a second ``<body>`` or a page cut off mid-tag lands where
a browser puts it. libxml2's HTML parser (under parsel/lxml) follows no such rules and drops, for one, everything
after the first ``</html>``: that is where Tieba's Bigpipe pagelets carry the whole thread list. The parsers keep
parsel's CSS and XPath selectors, run over the browser-shaped tree.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from typing import Any
from urllib.parse import urljoin

from parsel import Selector
from selectolax.lexbor import LexborHTMLParser

_DECLARED = re.compile(
    rb"""<\?xml[^>]*?\sencoding\s*=\s*["']?([A-Za-z0-9_.:-]+)"""
    rb"""|<meta[^>]*?charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# GB2312 and GBK pages routinely carry characters only GB18030 has; it is a superset of both.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936", "euc-cn", "x-gbk"}
# A Chinese page that declares a single-byte Western encoding is mislabelled (a template default left in place):
# read as Latin-1 every GBK character turns into two accented letters, so the declaration is ignored instead.
_WESTERN = {"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_JSONP = re.compile(
    r"^\s*(?:try\s*\{\s*)?[\w$.]+\s*\(\s*(.*?)\s*\)\s*;?\s*(?:\}\s*catch\s*\(\w*\)\s*\{\s*\}\s*;?)?\s*$", re.S
)
# A block element starts and ends a line, as a browser lays it out (an image box inside a paragraph included).
_BREAKS = re.compile(r"<\s*br\s*/?\s*>|</?\s*(?:p|div|li|h\d)\b[^>]*>", re.I)
_INVISIBLE = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_EMOTICON = re.compile(r"""<img\b[^>]*?\balt\s*=\s*["']?(\[[^\]"'<>]{1,12}\])[^>]*>""", re.I)
_TAG = re.compile(r"<[^>]*>")
_COUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*(万|w|W|亿|千|k|K)?\s*\+?$")
_MULTIPLIERS = {
    None: 1,
    "千": 1_000,
    "k": 1_000,
    "K": 1_000,
    "万": 10_000,
    "w": 10_000,
    "W": 10_000,
    "亿": 100_000_000,
}


class ParseError(Exception):
    """The page is not what this parser reads (truncated, not JSON, no envelope); the message says which."""


def declared_encoding(body: bytes) -> str | None:
    """The encoding named in the XML declaration or a ``<meta>`` (charset or http-equiv), normalised."""
    match = _DECLARED.search(body[:4096])
    if not match:
        return None
    name = (match.group(1) or match.group(2)).decode("ascii").lower()
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    if name in _WESTERN:
        return None
    return "gb18030" if name in _GB_FAMILY or name.startswith("gb") else name


def decode_body(body: bytes) -> str:
    """Bytes to text: BOM, then the declared encoding, else whichever of UTF-8 / GB18030 decodes cleanly.

    A page that declares GBK but is valid multi-byte UTF-8 is read as UTF-8: a GBK text that happens to be
    valid UTF-8 is vanishingly rare, a mislabelled page is not. A page cut off inside its last character still
    counts as clean: a truncated download must not be read in the wrong encoding for want of one byte.
    """
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    declared = declared_encoding(body)
    candidates = ["utf-8", "gb18030"]
    if declared and not (declared == "gb18030" and _is_utf8_text(body)):
        candidates.insert(0, declared)
    for encoding in candidates:
        if (text := _decode_clean(body, encoding)) is not None:
            return text
    return body.decode(declared or "utf-8", errors="replace")


def _decode_clean(body: bytes, encoding: str) -> str | None:
    """``body`` in ``encoding`` if every byte fits, but for an incomplete character at the very end."""
    try:
        return body.decode(encoding)
    except LookupError:
        return None
    except UnicodeDecodeError as exc:
        if exc.end != len(body) or exc.start < len(body) - 3:
            return None
        try:
            return body[: exc.start].decode(encoding)
        except UnicodeDecodeError:
            return None


def _is_utf8_text(body: bytes) -> bool:
    return not body.isascii() and _decode_clean(body, "utf-8") is not None


def load_json(body: bytes, what: str) -> Any:
    """JSON (or JSONP) from ``body``; ``ParseError`` naming ``what`` and the problem on anything else."""
    text = decode_body(body).strip()
    if not text:
        raise ParseError(f"{what}: empty body")
    if text.startswith("<"):
        raise ParseError(f"{what}: expected JSON, got HTML ({_html_title(text) or text[:60]!r})")
    if text[0] not in "[{" and (match := _JSONP.match(text)):
        text = match.group(1)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"{what}: invalid or truncated JSON: {exc.msg} (char {exc.pos} of {len(text)})"
        ) from None
    except RecursionError:
        raise ParseError(f"{what}: JSON nested too deeply") from None


def _html_title(text: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    return " ".join(html.unescape(match.group(1)).split()) if match else ""


def require(mapping: Any, *path: str | int, what: str) -> Any:
    """``mapping[path[0]][path[1]]…`` or a ``ParseError`` naming the missing step."""
    node = mapping
    for depth, key in enumerate(path):
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            dotted = ".".join(str(k) for k in path[: depth + 1])
            raise ParseError(f"{what}: missing {dotted}") from None
    return node


def html_to_text(fragment: str | None) -> str:
    """Visible text of an HTML fragment: line breaks kept, emoticons as their ``[alt]``, whitespace tidied,
    and the sites' own buttons and captions (:func:`strip_chrome`) left out."""
    if not fragment:
        return ""
    text = _INVISIBLE.sub("", fragment)
    text = _BREAKS.sub("\n", text)
    text = _EMOTICON.sub(lambda m: m.group(1), text)
    text = html.unescape(_TAG.sub("", text))
    return strip_chrome(tidy(text))


# Lines the sites put inside a post's markup that are controls, not what the author wrote: Tieba's image
# expander, Weibo's and Zhihu's "expand" links, share bars. A line is dropped only when it is nothing else.
_CHROME_LINE = re.compile(
    r"^(?:点击展开，查看完整图片|点击展开,查看完整图片|展开全文\s*[c∨⌄>]?|收起全文\s*[d∧⌃<]?|展开|收起|查看全文|阅读全文|"
    r"显示全部|查看图片|查看大图|\.{0,3}全文|分享到[:：]?.{0,30}|分享|转发到[:：]?.{0,30}|收藏\s*分享.{0,20})$"
)
# Weibo cuts a long post with "...展开全文c" (or "…全文") on the last line, after the words.
_CHROME_TAIL = re.compile(r"\s*(?:\.\.\.|…)?\s*(?:展开全文\s*c?|全文)$")


def strip_chrome(text: str) -> str:
    """Text without the site's UI chrome lines and a trailing "...展开全文"; the author's words untouched."""
    lines = [line for line in text.replace("点击展开，查看完整图片", "\n").split("\n") if not _CHROME_LINE.match(line)]
    if lines and lines[-1].endswith(("展开全文", "展开全文c", "...全文", "…全文")):
        lines[-1] = _CHROME_TAIL.sub("", lines[-1])
    return "\n".join(line for line in lines if line)


def tidy(text: str | None) -> str:
    """Collapse runs of whitespace inside lines and drop empty lines."""
    if not text:
        return ""
    lines = (" ".join(line.replace("\u3000", " ").split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def to_count(value: Any) -> int | None:
    """Engagement and follower counts: ``63357736``, ``"1,024"``, ``"7164.8万"``, ``"100万+"`` -> int."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value == value and abs(value) != float("inf") else None
    match = _COUNT.match(str(value).replace(",", "").strip())
    if not match:
        return None
    return int(round(float(match.group(1)) * _MULTIPLIERS[match.group(2)]))


def text_or_none(value: Any) -> str | None:
    """A stripped non-empty string, else ``None``."""
    if value is None:
        return None
    text = tidy(str(value))
    return text or None


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def html_page(body: bytes | str) -> Selector:
    """A parsel selector over the tree a browser builds from this page (bytes are decoded first).

    lexbor builds the tree by the HTML5 rules; its serialisation is well-formed markup that libxml2 then reads
    back without a repair of its own, which gives parsel the browser's tree at about twice lxml's cost alone.
    """
    text = decode_body(body) if isinstance(body, bytes) else body
    document = LexborHTMLParser(_XML_DECLARATION.sub("", text)).html or "<html></html>"
    return Selector(text=document, type="html")


def absolute(url: str | None, base: str) -> str:
    """``href`` values as pages carry them (relative, protocol-relative ``//host/x``) made absolute."""
    return urljoin(base, url.strip()) if url else base
