"""The sentiment model: the shipped one, the training path, the data files it reads."""

from __future__ import annotations

import json
import math

import pytest

from nlp.data import DataError, is_held_out, read_labeled
from nlp.features import sentiment_features
from nlp.segment import tokens_and_emoticons
from nlp.sentiment import ModelError, SentimentModel, load_model
from nlp.train import text_probability
from nlp.training import make_example, train_bayes, train_model


@pytest.fixture(scope="module")
def shipped():
    return load_model()


def probability(model: SentimentModel, text: str) -> float:
    return text_probability(model, text)


@pytest.mark.parametrize(
    "text",
    ["送餐很快，味道很好，下次还点", "质量很好，物流也快，非常满意", "今天太开心了[哈哈]"],
)
def test_shipped_model_calls_clear_praise_positive(shipped, text):
    assert probability(shipped, text) > 0.65


@pytest.mark.parametrize(
    "text",
    ["等了两个小时才送到，饭都凉了，太差了", "用了三天就坏了，客服也不理人，垃圾", "气死我了[怒]"],
)
def test_shipped_model_calls_clear_complaints_negative(shipped, text):
    assert probability(shipped, text) < 0.35


def test_negation_turns_praise_into_complaint(shipped):
    assert probability(shipped, "这次的体验不满意") < probability(shipped, "这次的体验满意")


def test_shipped_model_card_states_held_out_accuracy():
    from nlp.sentiment import DEFAULT_MODEL_PATH

    card = (DEFAULT_MODEL_PATH.parent / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Licence" in card and "weibo, emoticons removed" in card
    assert DEFAULT_MODEL_PATH.stat().st_size < 20_000_000


def _toy_examples(per_class: int):
    good = ["好吃", "很快", "满意", "推荐", "新鲜", "喜欢", "实惠", "热情"]
    bad = ["难吃", "太慢", "失望", "退款", "变质", "垃圾", "冷漠", "破损"]
    topics = ["外卖", "快递", "这家店", "衣服", "手机", "蛋糕", "客服", "包装"]
    examples = []
    for i in range(per_class):
        topic = topics[i % len(topics)]
        examples.append(make_example(f"{topic}{good[i % 8]}，{good[(i * 3 + 1) % 8]}", True))
        examples.append(make_example(f"{topic}{bad[i % 8]}，{bad[(i * 5 + 2) % 8]}", False))
    return examples


def test_training_on_small_data_learns_its_words(tmp_path):
    model = train_model(_toy_examples(60))
    path = tmp_path / "model.gz"
    model.save(path)
    loaded = load_model(path)
    assert probability(loaded, "蛋糕新鲜，喜欢") > 0.8
    assert probability(loaded, "蛋糕变质，失望") < 0.2
    assert loaded.group_weights == pytest.approx(model.group_weights)
    assert loaded.linear is not None and loaded.linear == model.linear


def test_linear_layer_reads_the_characters_of_a_word_it_never_saw_whole():
    model = train_model(_toy_examples(60))
    assert model.linear is not None
    # 失望透了 is no word of the training data, but its characters 失 and 望 are those of a complaint word.
    features = sentiment_features(["失望透了"])
    assert model.probability(features, "失望透了") < model.probability(features, "")
    assert model.linear.char_weights["失望"] < 0 < model.linear.char_weights["喜欢"]


def test_linear_layer_weighs_each_trade_and_class_the_same():
    from nlp.training import _balanced_weights, _Row

    rows = [_Row(make_example(t, p, domain=d), []) for t, p, d in
            [("好", True, "a"), ("差", False, "a"), ("差", False, "a"), ("差", False, "a"), ("好", True, "b")]]
    weights = _balanced_weights(rows)
    assert weights[0] == pytest.approx(sum(weights[1:4]))
    assert weights[0] == pytest.approx(weights[4])


def test_shipped_model_is_calibrated_so_unsure_texts_stay_near_the_middle(shipped):
    assert shipped.linear is not None
    assert 0.2 < probability(shipped, "今天下午三点开会") < 0.8


def test_training_needs_both_classes():
    with pytest.raises(ValueError, match="both positive and negative"):
        train_model([make_example("很好", True)] * 3)


def test_scores_match_snownlp_bayes_classify():
    examples = _toy_examples(20)
    model = SentimentModel(train_bayes(examples))
    bayes = model.to_snownlp_bayes()
    features = sentiment_features(*tokens_and_emoticons("手机很快，但是破损了"))
    features = [f for f in features if f in model.weights]
    label, prob = bayes.classify(features)
    p_positive = prob if label == "pos" else 1 - prob
    prior = math.log(bayes.d["pos"].getsum()) - math.log(bayes.d["neg"].getsum())
    assert model.log_odds(features) + prior == pytest.approx(math.log(p_positive / (1 - p_positive)))


def test_load_model_rejects_a_file_that_is_not_a_model(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(ModelError):
        load_model(path)
    with pytest.raises(ModelError, match="no such model file"):
        load_model(tmp_path / "missing.gz")


def test_read_labeled_accepts_both_csv_layouts_and_json_lines(tmp_path):
    (tmp_path / "a.csv").write_text("label,review\n1,好吃\n0,难吃\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("cat,label,review\n书籍,pos,好书\n书籍,neg,烂书\n", encoding="utf-8")
    lines = [json.dumps({"label": 1, "text": "不错"}), json.dumps({"label": "negative", "text": "很差"})]
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [(r.text, r.positive) for r in read_labeled(tmp_path / "a.csv")] == [
        ("好吃", True),
        ("难吃", False),
    ]
    assert [r.positive for r in read_labeled(tmp_path / "b.csv")] == [True, False]
    assert [(r.text, r.positive) for r in read_labeled(tmp_path / "c.jsonl")] == [
        ("不错", True),
        ("很差", False),
    ]


def test_read_labeled_reports_the_bad_row(tmp_path):
    (tmp_path / "bad.csv").write_text("label,review\n1,好\nmaybe,一般\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.csv:3: unknown label"):
        read_labeled(tmp_path / "bad.csv")
    (tmp_path / "nohead.csv").write_text("x,y\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="header"):
        read_labeled(tmp_path / "nohead.csv")


def test_held_out_split_is_fixed_and_about_a_fifth():
    texts = [f"第{i}条评论" for i in range(5000)]
    held = [t for t in texts if is_held_out(t)]
    assert held == [t for t in texts if is_held_out(t)]
    assert 0.17 < len(held) / len(texts) < 0.23


def test_extra_training_file_is_trained_on_and_named_in_the_card(tmp_path):
    from nlp.train import CORPORA, build

    data = tmp_path / "data"
    data.mkdir()
    good, bad = ["好吃，很快", "满意，推荐", "新鲜实惠"], ["难吃，太慢", "失望，退款", "变质破损"]
    for corpus in CORPORA:
        rows = [f"{int(i % 2 == 0)},{(good if i % 2 == 0 else bad)[i % 3]}{corpus.name}{i}" for i in range(120)]
        (data / corpus.file).write_text("label,review\n" + "\n".join(rows) + "\n", encoding="utf-8")
    extra = tmp_path / "chat.jsonl"
    lines = [{"label": "pos" if i % 2 else "neg", "text": ("开心极了" if i % 2 else "烦死人了") + str(i)}
             for i in range(200)]
    extra.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")

    model, scores, sizes, corpora = build(data, [extra])

    assert [c.name for c in corpora][-1] == "chat" and sizes["chat"][0] + sizes["chat"][1] == 200
    assert "chat.jsonl" in model.metadata["trained_on"]
    assert probability(model, "烦死人了") < 0.5 < probability(model, "开心极了")
