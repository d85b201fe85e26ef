"""Settings are validated once at start-up; every problem is one line naming the key, exit status 2."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import run_cli
from yuqing.config import SettingsError, load_settings, parse_duration


def test_defaults_fill_what_the_file_leaves_out(write_settings):
    settings = load_settings(write_settings())
    assert settings.timezone == "Asia/Shanghai"
    assert [b.name for b in settings.brands] == ["青禾", "星澜汽车"]
    assert settings.brands[0].keywords == ["青禾", "QingHe"]


def test_source_interval_accepts_human_durations(write_settings):
    path = write_settings('\n[[sources]]\nname = "news"\nkind = "news"\nspider = "weibo"\ninterval = "15m"\n')
    assert load_settings(path).sources[0].interval == timedelta(minutes=15)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(90, timedelta(seconds=90)), ("30s", timedelta(seconds=30)), ("2h", timedelta(hours=2)),
     ("7d", timedelta(days=7)), ("1.5h", timedelta(minutes=90))],
)
def test_parse_duration(value, expected):
    assert parse_duration(value) == expected


@pytest.mark.parametrize("value", ["soon", "-5m", "", True, "3 parsecs"])
def test_parse_duration_refuses_nonsense(value):
    with pytest.raises(ValueError):
        parse_duration(value)


def test_typo_in_a_key_names_the_key(write_settings):
    path = write_settings('\n[[sources]]\nname = "news"\nkind = "news"\nspider = "feed"\nintervall = "5m"\n')
    with pytest.raises(SettingsError, match=r"sources\[0\]\.intervall: unknown key"):
        load_settings(path)


def test_string_where_a_number_belongs_names_the_key(write_settings):
    path = write_settings('\n[[sources]]\nname = "news"\nkind = "news"\nspider = "feed"\nmax_pages = "many"\n')
    with pytest.raises(SettingsError, match=r"sources\[0\]\.max_pages"):
        load_settings(path)


def test_missing_required_value_names_the_key(write_settings):
    path = write_settings('\n[[sources]]\nname = "news"\nspider = "feed"\n')
    with pytest.raises(SettingsError, match=r"sources\[0\]\.kind: Field required"):
        load_settings(path)


def test_unknown_source_kind_and_bad_regex_are_refused(write_settings):
    with pytest.raises(SettingsError, match=r"sources\[0\]\.kind"):
        load_settings(write_settings('\n[[sources]]\nname = "x"\nkind = "tv"\nspider = "feed"\n'))
    with pytest.raises(SettingsError, match=r"brands\[2\]\.regex: not a valid regular expression"):
        load_settings(write_settings('\n[[brands]]\nname = "坏"\nregex = "(unclosed"\n'))


def test_duplicate_brand_names_are_refused(write_settings):
    with pytest.raises(SettingsError, match="duplicate name '青禾'"):
        load_settings(write_settings('\n[[brands]]\nname = "青禾"\n'))


def test_cli_exits_2_with_one_line_for_a_typo(write_settings):
    path = write_settings('\n[storage]\nurll = "x"\n'.replace("[storage]", "[nlp]"))
    done = run_cli("--settings", str(path), "db", "upgrade")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "nlp.urll: unknown key" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_exits_2_for_broken_toml(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('timezone = "Asia/Shanghai\n', encoding="utf-8")
    done = run_cli("--settings", str(path), "sources")
    assert done.returncode == 2
    assert "not valid TOML" in done.stderr and "Traceback" not in done.stderr


def test_secrets_come_from_the_environment(write_settings, monkeypatch):
    path = write_settings('\n[[sources]]\nname = "w"\nkind = "social"\nspider = "weibo"\ncookie_env = "W_COOKIE"\n')
    monkeypatch.setenv("W_COOKIE", "SUB=abc")
    source = load_settings(path).sources[0]
    assert source.cookie == "SUB=abc"
    monkeypatch.setenv("W_COOKIE", "SUB=renewed")
    assert source.cookie == "SUB=renewed"  # read when the crawl starts, not kept from start-up


def test_shipped_settings_files_are_valid():
    from tests.conftest import ROOT

    settings = load_settings(ROOT / "settings.toml")
    assert settings.brands and settings.sources
    assert not any(source.enabled for source in settings.sources), "real sites stay off until a user enables them"
