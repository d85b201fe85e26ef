"""A team's own crisis words and reach thresholds, from settings.toml to the grade the pipeline stores."""

from __future__ import annotations

import pytest

from crawler.pipelines import analyzer_for
from yuqing.config import SettingsError, load_settings

LEAK = "青禾燃气灶用了一周就漏气，厨房一股味道，太吓人了，客服也不管"


def test_a_configured_crisis_word_raises_the_grade_with_its_reason(write_settings):
    plain = analyzer_for(load_settings(write_settings(name="plain.toml"))).analyze(LEAK)
    tuned = analyzer_for(load_settings(write_settings(
        '\n[nlp.grade.words]\n"安全事件" = ["漏气"]\n', name="tuned.toml"))).analyze(LEAK)
    assert not any("漏气" in reason for reason in plain.reasons)
    assert "安全事件: 漏气" in tuned.reasons
    assert ["一般", "严重", "重大"].index(tuned.grade) > ["一般", "严重", "重大"].index(plain.grade)


def test_reach_thresholds_come_from_settings(write_settings):
    text = "青禾电饭煲煮饭有点夹生，不太满意"
    default = analyzer_for(load_settings(write_settings(name="d.toml"))).analyze(text, followers=5_000)
    lowered = analyzer_for(load_settings(write_settings(
        "\n[nlp.grade]\nfollowers_serious = 1000\nfollowers_major = 2000\n", name="l.toml"))).analyze(
        text, followers=5_000)
    assert not any(reason.startswith("粉丝") for reason in default.reasons)
    assert "粉丝 5000" in lowered.reasons


def test_an_unknown_grade_signal_is_a_settings_error(write_settings):
    with pytest.raises(SettingsError, match=r"nlp\.grade\.words: unknown grade signal '火灾'"):
        load_settings(write_settings('\n[nlp.grade.words]\n"火灾" = ["漏气"]\n'))
