"""Hostile input, class "settings": a settings.toml that makes no sense.

Issue 14 items 4 (a huge duration was an OverflowError traceback on every command), 6 (an enabled source's cookie
variable named but unset), 13 (zero intervals, an empty file, no brand), 5 (a database URL we do not support). Each
must be one line on stderr naming the key, exit 2, before anything is created on disk.
"""

from __future__ import annotations

import pytest

from yuqing.cli import main

HUGE = ['"99999999999d"', '"1e400d"', "1e300", "inf", "nan", '"5300000w"']


def run(path, *command: str) -> tuple[int, str]:
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["--settings", str(path), *command])
    return status, err.getvalue()


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("command", [("status",), ("search", "青禾"), ("db", "upgrade")])
def test_a_huge_retention_exits_2_naming_the_key_on_every_command(write_settings, value, command):
    path = write_settings().with_suffix(".toml")
    text = path.read_text(encoding="utf-8").replace("[storage]\n", f"[storage]\nretention = {value}\n")
    path.write_text(text, encoding="utf-8")
    status, err = run(path, *command)
    assert status == 2 and "storage.retention" in one_line(err)


@pytest.mark.parametrize(("extra", "key"), [
    ('[[sources]]\nname = "a"\nkind = "news"\nspider = "feed"\ninterval = "0s"\n', "sources[0].interval"),
    ('[[sources]]\nname = "a"\nkind = "news"\nspider = "feed"\ninterval = 0\n', "sources[0].interval"),
    ('[[sources]]\nname = "a"\nkind = "news"\nspider = "feed"\ninterval = "0.5s"\n', "sources[0].interval"),
    ('[[sources]]\nname = "a"\nkind = "news"\nspider = "feed"\ninterval = "99999999999d"\n', "sources[0].interval"),
    ('[scheduler]\noutbox_interval = "0s"\n', "scheduler.outbox_interval"),
    ('[scheduler]\ncrawl_timeout = "0s"\n', "scheduler.crawl_timeout"),
    ('[scheduler]\ncrawl_timeouts = { a = "0m" }\n', "scheduler.crawl_timeouts.a"),
    ('[alerts]\nevaluation_interval = "0s"\n', "alerts.evaluation_interval"),
])
def test_an_interval_or_limit_of_zero_exits_2_naming_the_key(write_settings, extra, key):
    status, err = run(write_settings(extra), "status")
    assert status == 2 and f": {key}: " in one_line(err)


def test_an_empty_settings_file_exits_2_and_creates_no_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "settings.toml").write_text("# nothing yet\n", encoding="utf-8")
    status, err = run(tmp_path / "settings.toml", "search", "青禾")
    assert status == 2 and "empty" in one_line(err) and "[[brands]]" in err
    assert not (tmp_path / "var").exists()


def test_settings_without_a_brand_exit_2_and_create_no_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "settings.toml").write_text('timezone = "Asia/Shanghai"\n[web]\nport = 8081\n', encoding="utf-8")
    status, err = run(tmp_path / "settings.toml", "status")
    assert status == 2 and ": brands: at least one [[brands]]" in one_line(err)
    assert not (tmp_path / "var").exists()


def test_a_settings_path_that_is_a_directory_is_one_line(tmp_path):
    status, err = run(tmp_path, "status")
    assert status == 2 and "cannot read" in one_line(err)


@pytest.mark.parametrize("url", ["mysql://user@db.example/yuqing", "oracle://x@y/z", "not a url",
                                 "postgresql+asyncpg://u@h/d", "mssql+pyodbc://u@h/d"])
def test_an_unsupported_database_url_exits_2_naming_storage_url(write_settings, url, tmp_path):
    status, err = run(write_settings(url=url), "search", "青禾")
    assert status == 2 and "storage.url" in one_line(err)
    assert "sqlite:///" in err and "postgresql://" in err


# A closed port on loopback: were the check to fail, `crawl --force` would find nothing there, and never the internet.
COOKIE_SOURCE = ('\n[[sources]]\nname = "weibo-search"\nkind = "social"\nspider = "weibo"\n'
                 'base_url = "http://127.0.0.1:9"\ncookie_env = "YUQING_TEST_WEIBO_COOKIE"\nenabled = {enabled}\n')


@pytest.mark.parametrize("command", [("status",), ("search", "青禾"), ("sources",)])
def test_an_enabled_source_whose_cookie_variable_is_unset_exits_2_naming_key_and_variable(
        write_settings, monkeypatch, tmp_path, command):
    """Crawling logged out brings back a login wall or nothing, which looks like a quiet day."""
    monkeypatch.delenv("YUQING_TEST_WEIBO_COOKIE", raising=False)
    path = write_settings(COOKIE_SOURCE.format(enabled="true"))
    status, err = run(path, *command)
    assert status == 2 and "sources.weibo-search.cookie_env" in one_line(err)
    assert "YUQING_TEST_WEIBO_COOKIE" in err and "not set" in err
    assert not (tmp_path / "yuqing.db").exists()
    monkeypatch.setenv("YUQING_TEST_WEIBO_COOKIE", "SUB=x")
    assert run(path, *command)[0] == 0


def test_a_disabled_sources_cookie_is_needed_only_when_it_is_forced_to_crawl(write_settings, monkeypatch):
    monkeypatch.delenv("YUQING_TEST_WEIBO_COOKIE", raising=False)
    path = write_settings(COOKIE_SOURCE.format(enabled="false"))
    assert run(path, "status")[0] == 0
    status, err = run(path, "crawl", "--force", "weibo-search")
    assert status == 2 and "sources.weibo-search.cookie_env" in one_line(err) and "YUQING_TEST_WEIBO_COOKIE" in err


def test_a_named_but_unset_redis_variable_means_local_crawls_not_an_error(write_settings, monkeypatch):
    """settings.toml ships ``redis_url_env`` set and the variable unset: that is the one-machine default."""
    monkeypatch.delenv("YUQING_TEST_REDIS_UNSET", raising=False)
    path = write_settings('\n[crawl]\nredis_url_env = "YUQING_TEST_REDIS_UNSET"\n')
    assert run(path, "status")[0] == 0
