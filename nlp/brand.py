"""Mentions that are negative for a brand although they carry no negative emotion.

A repost warning friends that a product may catch fire, a call for a boycott, a recall notice and praise of a
competitor at the brand's expense are bad news for the brand however calmly they are written, and a sentiment
model trained on reviews reads them as neutral: 转发提醒家人朋友：青禾空气炸锅有起火风险，暂停使用 has no word a
reviewer would use to say he is unhappy. These rules name the signal instead; ``Analyzer`` then files the mention
as negative, and the reverse case, the brand praised over the others, as positive.

Each signal is a regex over the simplified text. A hazard (起火, 漏电, 刹车失灵) counts unless a negator stands
right before it (没有起火风险); a warning word alone (提醒大家) does not count, so 提醒大家双十一有优惠 stays what
the model says. Comparisons need to know the brand: 比青禾的好用 is bad for 青禾 only, so those patterns are
built from the brand words the ``Analyzer`` was given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

HAZARD = "风险警示"
BOYCOTT = "抵制"
RECALL = "召回/监管"
COMPETITOR = "竞品对比"

_NEGATED = r"(?<![没无未不非])(?<!没有)(?<!不会)(?<!不存在)"
_HAZARD_RE = re.compile(
    _NEGATED
    + r"(?:起火|着火|失火|自燃|爆炸|炸裂|漏电|触电|鼓包|失灵|断裂|脱落|过热隐患|安全隐患|隐患|有毒|致癌|超标|"
    r"中毒|烫伤|受伤|盗刷|被盗|针孔摄像|偷拍|泄露|存在.{0,6}风险|有.{0,4}风险|危险)"
)
_BOYCOTT_RE = re.compile(
    r"抵制|拉黑|避雷|踩雷|拔草|劝退|别买|不要买|千万别|拒绝购买|再也不(?:买|用|去|订|住|来)|"
    r"绝不(?:再)?(?:买|用|去|订|住)|劝.{0,6}(?:别|不要)(?:买|用|去)|大家都别"
)
_RECALL_RE = re.compile(r"召回|下架|约谈|罚款|处罚|责令|整改|抽检不合格|检出不合格|立案|通报批评|被查")
# A switch away or a regret, without naming anyone: 换成了别的牌子, 早知道就不住, 后悔之前报了.
_SWITCH_RE = re.compile(
    r"(?:换|转)(?:了|成|到)*(?:别|另一|另外|其他|其它)(?:的|家|个|款)|早知道就不|后悔(?:买|报|选|订|住|去|之前)|"
    r"(?:买|选|去)别(?:的|家)"
)


class BrandSignals:
    """Finds brand-directed negative signals in simplified text, for a given set of brand names."""

    def __init__(self, brand_words: Iterable[str] = ()) -> None:
        names = sorted({word for word in brand_words if word}, key=len, reverse=True)
        self._competitor_re = None
        self._win_re = None
        if names:
            brand = "(?:" + "|".join(map(re.escape, names)) + ")"
            # 比青禾的好用 / 青禾真不如 / 从青禾换 / 青禾就算了: the brand loses the comparison.
            self._competitor_re = re.compile(
                rf"比{brand}(?:的)?.{{0,8}}(?:好|强|稳|快|便宜|耐用|靠谱|省|干净|安静)|{brand}.{{0,3}}不如|"
                rf"从{brand}.{{0,6}}换|{brand}就算了|不(?:住|买|用|选|订|去){brand}"
            )
            # 比起别的酒店，悦居的服务好太多了 / 还是青禾最好: the brand wins, which the model reads as a complaint
            # about the others.
            self._win_re = re.compile(
                rf"(?:比起|相比|对比)(?:别|其他|其它|另)[^。！？!?]{{0,12}}{brand}[^。！？!?]{{0,8}}(?:好|强|稳|靠谱)|"
                rf"还是{brand}(?:的)?.{{0,4}}(?:好|强|靠谱)"
            )

    def signal(self, text: str) -> str | None:
        """The first signal found (hazard, boycott, recall, competitor), or None."""
        if _HAZARD_RE.search(text):
            return HAZARD
        if _BOYCOTT_RE.search(text):
            return BOYCOTT
        if _RECALL_RE.search(text):
            return RECALL
        if _SWITCH_RE.search(text) or (self._competitor_re is not None and self._competitor_re.search(text)):
            return COMPETITOR
        return None

    def wins_comparison(self, text: str) -> bool:
        """True when the text praises the brand over others (比起别家，青禾好太多了)."""
        return self._win_re is not None and self._win_re.search(text) is not None
