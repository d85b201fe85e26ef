"""Complaint categories on our evaluation set; story fingerprints and the near-duplicate index; hot words."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from nlp.category import CATEGORIES, OTHER, categorize
from nlp.cluster import StoryIndex, distance, fingerprint
from nlp.hotwords import hot_words, keywords
from nlp.text import to_simplified

EVAL_SET = Path(__file__).resolve().parents[1] / "nlp" / "eval" / "complaints.jsonl"


def eval_rows() -> list[dict]:
    return [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_evaluation_set_has_300_complaints_across_all_categories():
    rows = eval_rows()
    counts = Counter(row["category"] for row in rows if row["category"])
    assert sum(counts.values()) >= 300
    assert set(counts) == set(CATEGORIES) and min(counts.values()) >= 40
    assert len({row["text"] for row in rows}) == len(rows)


def test_category_accuracy_on_evaluation_set_is_at_least_85_percent():
    complaints = [row for row in eval_rows() if row["category"]]
    correct = sum(categorize(to_simplified(row["text"]), True) == row["category"] for row in complaints)
    assert correct / len(complaints) >= 0.85


def test_non_complaint_has_no_category_and_unclear_complaint_is_other():
    assert categorize("物流很快，质量很好", is_complaint=False) is None
    assert categorize("真是无语了", is_complaint=True) == OTHER


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("快递送错地址了", "交付物流"),
        ("店员态度恶劣，还骂人", "服务态度"),
        ("退款申请被拒绝，商家推诿", "售后"),
        ("虚假宣传，实物与图片完全不符", "信息沟通"),
        ("用了两天就死机，质量太差", "产品质量"),
        ("大数据杀熟，老用户更贵", "其他"),
    ],
)
def test_category_cues(text, category):
    assert categorize(text, True) == category


ARTICLE = (
    "某品牌电动车在小区地下车库充电时突然起火，火势迅速蔓延，造成三辆车被烧毁。消防部门接到报警后赶到现场，"
    "经过半小时扑救将大火扑灭，所幸没有人员伤亡。车主表示，这辆车刚买不到半年，充电器也是原装的。"
)


def test_fingerprint_is_a_signed_64_bit_integer():
    for text in (ARTICLE, "短", "", "好评好评好评"):
        assert -(2**63) <= fingerprint(text) < 2**63
    signs = {fingerprint(row["text"]) < 0 for row in eval_rows()[:50]}
    assert signs == {True, False}


def test_repost_and_edited_copy_join_the_story_and_other_story_does_not():
    repost = "转发微博 //@路人甲: 太吓人了 " + ARTICLE
    edited = ARTICLE.replace("三辆车", "两辆车").replace("半小时", "四十分钟")
    other = (
        "今天去新开的商场逛了逛，人很多，停车位很难找，餐厅都要排队，不过商品种类挺丰富的，价格也还算合理。"
    )
    index = StoryIndex()
    index.add(1, fingerprint(ARTICLE))
    assert index.find(fingerprint(repost)) == 1
    assert index.find(fingerprint(edited)) == 1
    assert index.find(fingerprint(other)) is None
    assert distance(fingerprint(ARTICLE), fingerprint(other)) > 15


def test_story_index_finds_near_duplicates_among_100k():
    rng = random.Random(7)
    index = StoryIndex()
    fps = [rng.getrandbits(64) - 2**63 for _ in range(100_000)]
    for mention_id, fp in enumerate(fps):
        index.add(mention_id, fp)
    for mention_id in rng.sample(range(len(fps)), 200):
        flipped = fps[mention_id]
        for bit in rng.sample(range(64), 6):
            flipped ^= 1 << bit
        assert index.find(flipped) == mention_id
    assert len(index) == 100_000


def test_story_index_returns_the_closest_and_ignores_far():
    index = StoryIndex(max_distance=3)
    index.add(1, 0b1111)
    index.add(2, 0b0111)
    assert index.find(0b0111) == 2
    assert index.find(0b0011) == 2
    assert index.find(0b1111_0000_0000) is None


def test_keywords_prefer_rare_content_words():
    tokens = ["这个", "充电宝", "充电", "的", "时候", "冒烟", "，", "充电宝", "太", "吓人"]
    top = keywords(tokens, top=3)
    assert top[0] == "充电宝" and "冒烟" in top and "这个" not in top and "的" not in top


def test_hot_words_count_mentions_and_exclude_brands():
    texts = ["鲸落手机电池鼓包了", "鲸落手机电池续航太差", "鲸落手机的电池不耐用", "鲸落手机拍照不错"]
    words = [word for word, _ in hot_words(texts, exclude=["鲸落手机", "鲸落"], top=5)]
    assert words[0] == "电池"
    assert "鲸落" not in words and "鲸落手机" not in words
    assert [w for w, _ in hot_words([["电池", "鼓包"], ["电池"]], top=1)] == ["电池"]


def test_packed_simhash_equals_the_64_counter_definition():
    import hashlib

    from nlp.cluster import fingerprint_tokens
    from nlp.hotwords import idf_if_candidate

    def reference(tokens):
        counts, total = [0] * 64, 0
        for token in tokens:
            weight = round(idf_if_candidate(token)) if len(token) > 1 else 0
            digest = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
            total += weight
            for bit in range(64):
                counts[bit] += weight * (digest >> bit & 1)
        value = sum(1 << bit for bit in range(64) if 2 * counts[bit] > total) if total else 0
        return value - (1 << 64) if value >= 1 << 63 else value

    rng = random.Random(3)
    vocabulary = [f"词{i}" for i in range(300)] + ["手机", "电池", "起火", "的", "我们", "差"]
    for size in (0, 1, 2, 7, 60, 2000):
        tokens = [rng.choice(vocabulary) for _ in range(size)]
        assert fingerprint_tokens(tokens) == reference(tokens)
