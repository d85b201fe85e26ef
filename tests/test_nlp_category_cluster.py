"""Complaint categories on our evaluation set; story fingerprints and the near-duplicate index; hot words."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from nlp.category import _CUE_RE, _CUE_WEIGHTS, CATEGORIES, OTHER, categorize, category_scores, cue_category
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


def test_category_accuracy_on_rows_not_used_for_tuning_is_at_least_80_percent():
    complaints = [row for row in eval_rows() if row["category"]][1::2]
    correct = sum(categorize(to_simplified(row["text"]), True) == row["category"] for row in complaints)
    assert correct / len(complaints) >= 0.80


def test_non_complaint_has_no_category_and_cueless_complaint_is_other_by_the_cues():
    assert categorize("物流很快，质量很好", is_complaint=False) is None
    assert cue_category("真是无语了") == OTHER
    assert categorize("真是无语了", is_complaint=True) in CATEGORIES


def test_classifier_files_rows_it_never_saw_better_than_the_cues_alone():
    complaints = [row for row in eval_rows() if row["category"]][1::2]
    texts = [to_simplified(row["text"]) for row in complaints]
    by_cues = sum(cue_category(t) == row["category"] for t, row in zip(texts, complaints, strict=True))
    by_model = sum(categorize(t, True) == row["category"] for t, row in zip(texts, complaints, strict=True))
    assert by_model > by_cues


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


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("冰箱买回来冷藏室一直结冰，蔬菜全冻坏了", "产品质量"),
        ("新手机充电的时候烫得握不住，电量掉得飞快", "产品质量"),
        ("这款面霜用完脸上起了一片红疹，又痒又疼", "产品质量"),
        ("车子开了三个月变速箱就顿挫得厉害，高速上还熄火过一次", "产品质量"),
        ("营业厅的工作人员一边玩手机一边应付我，问两句就不耐烦", "服务态度"),
        ("酒店前台对我爱答不理，还嫌我问题多", "服务态度"),
        ("银行柜员全程黑着脸，我多问一句她就说你听不懂吗", "服务态度"),
        ("4S店的销售看我开的旧车，眼神里全是看不起", "服务态度"),
        ("外卖等了一个半小时才送来，汤全洒了", "交付物流"),
        ("约好周六上午上门安装空调，等了一整天没人来", "交付物流"),
        ("托运的行李箱到了目的地被摔坏了一个轮子", "交付物流"),
        ("电视坏了报修一个星期，师傅一直说没配件来不了", "售后"),
        ("手机还在保修期内，售后说是人为损坏不给保", "售后"),
        ("机票退票要扣一半手续费，退款到现在还没到账", "售后"),
        ("洗衣机修了三次还是一样的毛病，要求换新不给换", "售后"),
        ("宽带办理的时候说好不限速，装好才知道晚上限速", "信息沟通"),
        ("问了三个客服，三个人的说法都不一样", "信息沟通"),
        ("办卡的时候没告知有年费，第二年直接从卡里扣了", "信息沟通"),
        ("留言一个礼拜了都没人回复，打电话也没人接", "信息沟通"),
        ("每天都收到好几条营销短信，退订了还继续发", "其他"),
        ("APP更新以后一直登录不上，验证码也收不到", "其他"),
        ("商场停车费一小时二十块，太离谱了", "其他"),
    ],
)
def test_category_of_complaints_worded_unlike_the_evaluation_set(text, category):
    assert categorize(text, True) == category


def test_praised_topic_does_not_count_and_dominant_issue_wins():
    assert categorize("物流很快，但是质量太差，用了两天就坏了", True) == "产品质量"
    assert categorize("质量不错，就是快递送错了地址", True) == "交付物流"
    assert categorize("手机屏幕坏了，送修一个月还没修好，售后一直推诿", True) == "售后"


def test_long_cue_hides_the_short_cue_inside_it():
    assert category_scores("态度恶劣") == [0, 3, 0, 0, 0, 0]
    assert category_scores("态度") == [0, 1, 0, 0, 0, 0]
    assert category_scores("质量很好") == [0] * len(CATEGORIES)


def test_prefix_factored_cue_regex_finds_what_a_longest_first_alternation_finds():
    flat = re.compile("|".join(re.escape(cue) for cue in sorted(_CUE_WEIGHTS, key=len, reverse=True)))
    rng = random.Random(5)
    cues = sorted(_CUE_WEIGHTS)
    texts = [row["text"] for row in eval_rows()]
    texts += ["".join(rng.choice(cues) + rng.choice(["", "的", "，"]) for _ in range(12)) for _ in range(500)]
    for text in texts:
        assert _CUE_RE.findall(text) == flat.findall(text)


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
    other = "今天去新开的商场逛了逛，人很多，停车位很难找，餐厅都要排队，不过商品种类挺丰富的，价格也还算合理。"
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
