"""Normalisation before tokenization, and the shared tokenizer."""

from __future__ import annotations

from nlp import segment
from nlp.text import remove_noise, split_emoticons, strip_emoticons, to_simplified


def test_traditional_chinese_becomes_simplified():
    assert to_simplified("這家店的服務態度很差") == "这家店的服务态度很差"
    assert to_simplified("已经是简体") == "已经是简体"


def test_emoticons_and_emoji_come_out_as_tokens():
    body, found = split_emoticons("太好吃了[哈哈]😂，下次再来[good]")
    assert "[" not in body and "😂" not in body
    assert found == ["[哈哈]", "[good]", "[笑哈哈]"]


def test_strip_emoticons_leaves_long_brackets_alone():
    assert (
        strip_emoticons("[泪]又坏了[这是一段很长的方括号里的说明文字]")
        == " 又坏了[这是一段很长的方括号里的说明文字]"
    )


def test_repost_names_and_links_are_removed():
    cleaned = remove_noise("太坑了 //@张三:同感 @李四 看这个 https://t.cn/abc")
    assert "张三" not in cleaned and "李四" not in cleaned and "t.cn" not in cleaned
    assert "太坑了" in cleaned and "同感" in cleaned


def test_brand_words_stay_one_token():
    assert "鲸落科技" not in segment.cut("我的鲸落科技坏了")
    segment.add_words(["鲸落科技"])
    assert "鲸落科技" in segment.cut("我的鲸落科技坏了")


def test_domain_lexicon_keeps_crisis_terms_whole():
    assert "刹车失灵" in segment.cut("开到一半刹车失灵了")


def test_polarity_words_stay_whole_so_their_cue_fires():
    assert "无语" in segment.cut("这次真的无语了") and "靠谱" in segment.cut("客服很靠谱")


def test_a_negated_polarity_word_stays_cut_so_negation_still_reads_it():
    assert segment.cut("这次不满意") == ["这次", "不", "满意"]


def test_a_lone_surrogate_becomes_a_replacement_character_instead_of_failing_the_conversion():
    # Half an emoji (a post cut inside a JSON \ud83d escape): OpenCC takes UTF-8, which cannot carry it.
    assert to_simplified("品質\ud83d問題") == "品质\ufffd问题"
