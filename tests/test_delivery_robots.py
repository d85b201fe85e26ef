"""Alerts to WeCom, DingTalk and Feishu robots played by a real local HTTP server (demo/robots.py): signed requests
verify, errors and outages are retried from the outbox, rate limits are kept without dropping, and a kill -9
repeats nothing but the one message in flight."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from alerts.engine import evaluate
from alerts.markdown import md, md_url
from delivery.models import OutboxMessage
from delivery.outbox import FAILED, SENT, deliver_pending, enqueue
from demo import synthetic
from demo.robots import Robot, RobotServer
from storage.db import Database
from tests.conftest import ROOT, free_port
from yuqing.cli import main
from yuqing.config import Settings

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
SECRETS = {"wecom": None, "dingtalk": "SECd1ngta1k-test-secret", "feishu": "fe1shu-test-secret"}


def robot_settings(server: RobotServer, monkeypatch, **overrides) -> dict:
    """``[robots]`` for every robot of ``server``, URLs and secrets in the environment as in production."""
    robots = {}
    for name, robot in server.robots.items():
        monkeypatch.setenv(f"TEST_ROBOT_{name.upper()}_URL", server.url(name))
        entry = {"platform": robot.platform, "url_env": f"TEST_ROBOT_{name.upper()}_URL", "departments": ["pr"]}
        if robot.secret:
            monkeypatch.setenv(f"TEST_ROBOT_{name.upper()}_SECRET", robot.secret)
            entry["secret_env"] = f"TEST_ROBOT_{name.upper()}_SECRET"
        robots[name] = {**entry, **overrides.get(name, {})}
    return robots


def settings_for(database, robots: dict, mail: dict | None = None) -> Settings:
    return Settings.model_validate({
        "storage": {"url": database.url}, "brands": [{"name": "青禾"}], "robots": robots,
        "web": {"public_url": "https://yuqing.qinghe.example"},
        "mail": {"retry_backoff": ["1m"], "sending_lease": "1m", **(mail or {})},
    })


def negatives(n: int, at: datetime, **values) -> list[dict]:
    values.setdefault("category", "产品质量")
    return [synthetic.mention("青禾", at + i * MIN, label="negative", **values) for i in range(n)]


def fire(database, settings) -> datetime:
    """Evaluate until a 一般 alert has held past its pending time (10 minutes); returns that moment."""
    for moment in (NOW, NOW + 11 * MIN):
        evaluate(database, settings, now=moment)
    return NOW + 11 * MIN


def queue_cards(db: Database, platform: str, robot: str, count: int) -> None:
    with db.session() as session:
        for n in range(count):
            enqueue(session, kind="alert-firing", recipients=[], subject=f"【严重】青禾 负面舆情预警 {n}",
                    text=f"第 {n} 条", html=None, key=f"card-{n}", now=NOW, channel=platform, destination=robot)


def states(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage.state).order_by(OutboxMessage.id)))


@pytest.mark.parametrize("platform", ["wecom", "dingtalk", "feishu"])
def test_an_alert_reaches_each_platform_as_a_signed_card_the_robot_accepts(database, monkeypatch, platform):
    with RobotServer({"pr": Robot(platform, "t0ken-pr", SECRETS[platform])}) as server:
        settings = settings_for(database, robot_settings(server, monkeypatch))
        synthetic.store(database, negatives(12, NOW - 30 * MIN, region="北京",
                                            title="空气炸锅起火", url="https://weibo.example/p/1"))
        report = deliver_pending(database, settings, now=fire(database, settings))
    assert report.sent == 1 and not server.refused, report.errors
    [card] = server.received
    assert card.title.startswith("【一般】青禾 负面舆情预警")
    for expected in ("**青禾**", "触发条件（一般）", "1小时负面 12 条", "问题类别：产品质量 12 条",
                     "[空气炸锅起火](https://weibo.example/p/1)", "响应时限", "前",
                     "[查看预警详情，确认或静默](https://yuqing.qinghe.example/alerts/"):
        assert expected in card.text, (expected, card.text)
    assert states(database) == [SENT]


def test_a_wrong_signing_secret_is_refused_for_good_with_the_robots_own_words(sqlite_database, monkeypatch):
    with RobotServer({"pr": Robot("dingtalk", "t0ken-pr", SECRETS["dingtalk"])}) as server:
        robots = robot_settings(server, monkeypatch)
        monkeypatch.setenv(robots["pr"]["secret_env"], "SECnot-the-secret")
        settings = settings_for(sqlite_database, robots)
        queue_cards(sqlite_database, "dingtalk", "pr", 1)
        report = deliver_pending(sqlite_database, settings, now=NOW)
    assert report.failed == 1 and "310000 sign not match" in report.errors[0]
    assert server.received == [] and states(sqlite_database) == [FAILED]


@pytest.mark.parametrize("platform", ["wecom", "dingtalk", "feishu"])
def test_a_robot_answering_errors_gets_the_message_once_from_the_outbox_retries(sqlite_database, monkeypatch, platform):
    robot = Robot(platform, "t0ken-pr", SECRETS[platform])
    robot.answers.extend([(502, 0), (200, -1 if platform != "feishu" else 9499)])  # a gateway error, then busy
    with RobotServer({"pr": robot}) as server:
        settings = settings_for(sqlite_database, robot_settings(server, monkeypatch))
        queue_cards(sqlite_database, platform, "pr", 1)
        runs = [deliver_pending(sqlite_database, settings, now=NOW + i * MIN) for i in range(3)]
    assert [(r.sent, r.retried) for r in runs] == [(0, 1), (0, 1), (1, 0)]
    assert len(server.received) == 1 and states(sqlite_database) == [SENT]


def test_a_robot_that_is_down_gets_its_message_once_it_is_back(sqlite_database, monkeypatch):
    port = free_port()
    server = RobotServer({"pr": Robot("feishu", "t0ken-pr", SECRETS["feishu"])}, port=port)
    settings = settings_for(sqlite_database, robot_settings(server, monkeypatch))
    server.httpd.server_close()  # nothing listens on the robot's port
    queue_cards(sqlite_database, "feishu", "pr", 1)
    down = deliver_pending(sqlite_database, settings, now=NOW)
    assert down.retried == 1 and "ConnectError" in down.errors[0] and "t0ken" not in down.errors[0]
    with RobotServer({"pr": Robot("feishu", "t0ken-pr", SECRETS["feishu"])}, port=port) as back:
        assert deliver_pending(sqlite_database, settings, now=NOW + MIN).sent == 1
    assert len(back.received) == 1 and states(sqlite_database) == [SENT]


def deliver_until_sent(database, settings, count: int, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while states(database).count(SENT) < count:
        assert time.monotonic() < deadline, states(database)
        deliver_pending(database, settings, now=datetime.now(UTC))
        time.sleep(0.1)


def test_messages_to_a_rate_limited_robot_are_spaced_under_its_limit_and_all_arrive(sqlite_database, monkeypatch):
    robot = Robot("dingtalk", "t0ken-pr", SECRETS["dingtalk"], rate=(3, 2.0))
    with RobotServer({"pr": robot}) as server:
        robots = robot_settings(server, monkeypatch, pr={"rate_limit": 3, "rate_window": "2s"})
        settings = settings_for(sqlite_database, robots)
        queue_cards(sqlite_database, "dingtalk", "pr", 7)
        first = deliver_pending(sqlite_database, settings, now=datetime.now(UTC))
        assert first.sent == 3 and first.deferred == 1 and first.waiting == 4  # the fourth waits for the window
        deliver_until_sent(sqlite_database, settings, 7)
    assert server.refused == []  # never once "too fast"
    assert [r.title for r in server.received] == [f"【严重】青禾 负面舆情预警 {n}" for n in range(7)]  # in order


def test_a_robot_stricter_than_its_settings_still_gets_every_message_once(sqlite_database, monkeypatch):
    robot = Robot("wecom", "t0ken-pr", rate=(2, 2.0))
    with RobotServer({"pr": robot}) as server:
        settings = settings_for(sqlite_database, robot_settings(server, monkeypatch), mail={"retry_backoff": ["1s"]})
        queue_cards(sqlite_database, "wecom", "pr", 5)
        deliver_until_sent(sqlite_database, settings, 5)
    assert {code for _, code in server.refused} == {45009}  # it did say "too fast", and nothing was dropped
    assert sorted(r.title for r in server.received) == sorted(f"【严重】青禾 负面舆情预警 {n}" for n in range(5))


def test_a_department_has_email_and_robots_and_a_major_alert_also_reaches_the_leadership_group(
        database, monkeypatch, tmp_path):
    with RobotServer({"pr": Robot("dingtalk", "t0ken-pr", SECRETS["dingtalk"]),
                      "lead": Robot("feishu", "t0ken-lead", SECRETS["feishu"])}) as server:
        robots = robot_settings(server, monkeypatch, lead={"departments": ["leadership"]})
        settings = settings_for(database, robots, mail={"mailbox_dir": str(tmp_path / "mailbox"),
                                                        "departments": {"pr": ["pr@qinghe.cn"]}})
        synthetic.store(database, negatives(12, NOW - 30 * MIN, region="北京"))
        deliver_pending(database, settings, now=fire(database, settings))
        assert [r.robot for r in server.received] == ["pr"]
        synthetic.store(database, negatives(1, NOW + 15 * MIN, grade="重大"))
        evaluate(database, settings, now=NOW + 16 * MIN)
        deliver_pending(database, settings, now=NOW + 16 * MIN)
    assert [(r.robot, r.title[:7]) for r in server.received] == [
        ("pr", "【一般】青禾 "), ("pr", "【重大·升级】"), ("lead", "【重大·升级】")]
    assert len(list((tmp_path / "mailbox").glob("*.eml"))) == 2  # and the PR team's email, each time
    with database.session() as session:
        channels = session.execute(select(OutboxMessage.channel, OutboxMessage.destination)
                                   .order_by(OutboxMessage.id)).all()
    assert [tuple(c) for c in channels] == [("email", ""), ("dingtalk", "pr"), ("email", ""), ("dingtalk", "pr"),
                                            ("feishu", "lead")]


def test_crawled_markup_in_a_title_stays_text_on_the_card(sqlite_database, monkeypatch):
    title = "[点](javascript:x)<font>**假**"
    with RobotServer({"pr": Robot("wecom", "t0ken-pr")}) as server:
        settings = settings_for(sqlite_database, robot_settings(server, monkeypatch))
        synthetic.store(sqlite_database,
                        negatives(1, NOW - 5 * MIN, grade="重大", title=title, url="javascript:alert(2)"))
        evaluate(sqlite_database, settings, now=NOW)
        deliver_pending(sqlite_database, settings, now=NOW)
    [card] = server.received
    assert "](javascript" not in card.text and "<font" not in card.text and "**假**" not in card.text
    assert "1. ［点］（javascript:x）＜font＞＊＊假＊＊ · weibo" in card.text  # shown as text, and not a link
    assert md("a\nb|c") == "a b｜c" and md_url("https://x.example/a (1)") == "https://x.example/a%20%281%29"


def test_a_robot_whose_url_variable_is_unset_stops_every_command_at_start_up(write_settings, monkeypatch, capsys):
    monkeypatch.delenv("TEST_UNSET_ROBOT_URL", raising=False)
    path = write_settings('\n[robots.pr-dingtalk]\nplatform = "dingtalk"\nurl_env = "TEST_UNSET_ROBOT_URL"\n'
                          'departments = ["pr"]\n')
    assert main(["--settings", str(path), "db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "robots.pr-dingtalk.url_env" in err and "TEST_UNSET_ROBOT_URL" in err


SEND = """
import sys
from yuqing.cli import main
sys.exit(main(["--settings", sys.argv[1], "alerts", "send"]))
"""


def test_kill_9_mid_delivery_then_a_restart_sends_every_card_and_repeats_none_but_the_one_in_flight(
        write_settings, monkeypatch):
    with RobotServer({"pr": Robot("dingtalk", "t0ken-pr", SECRETS["dingtalk"])}) as server:
        robots = robot_settings(server, monkeypatch)
        path = write_settings('\n[mail]\nsending_lease = "1s"\nretry_backoff = ["1s"]\n\n[robots.pr]\n'
                              f'platform = "dingtalk"\nurl_env = "{robots["pr"]["url_env"]}"\n'
                              f'secret_env = "{robots["pr"]["secret_env"]}"\ndepartments = ["pr"]\n')
        db = Database(f"sqlite:///{path.parent}/yuqing.db")
        db.upgrade()
        queue_cards(db, "dingtalk", "pr", 6)
        server.hold_at = 3  # the robot takes the third card, then the sender dies before the answer
        sender = subprocess.Popen([sys.executable, "-c", SEND, str(path)], cwd=ROOT, env=os.environ.copy(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert server.holding.wait(60), "the sender never reached the third card"
        sender.send_signal(signal.SIGKILL)
        sender.wait(30)
        server.release.set()
        in_flight = server.received[-1].title
        time.sleep(1.5)  # the dead sender's lease runs out
        again = subprocess.run([sys.executable, "-c", SEND, str(path)], cwd=ROOT, env=os.environ.copy(),
                               capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        db.dispose()
    titles = [r.title for r in server.received]
    assert set(titles) == {f"【严重】青禾 负面舆情预警 {n}" for n in range(6)}
    repeated = {t for t in titles if titles.count(t) > 1}
    # A robot keeps no Message-ID: the card it took in the instant the sender died comes again. Only that one.
    assert repeated <= {in_flight}


@pytest.mark.parametrize(("robot", "error"), [
    ('platform = "slack"\nurl_env = "X"', "robots.r.platform: unknown platform 'slack'"),
    ('platform = "wecom"\nurl_env = "X"\nsecret_env = "Y"', "robots.r.secret_env: wecom robots are not signed"),
    ('platform = "dingtalk"\nurl_env = "X"\ndepartments = ["marketing"]', "unknown department 'marketing'"),
])
def test_a_robot_settings_mistake_is_one_line_at_start_up(write_settings, monkeypatch, capsys, robot, error):
    monkeypatch.setenv("X", "http://127.0.0.1:9/")
    monkeypatch.setenv("Y", "secret")
    departments = "" if "departments" in robot else '\ndepartments = ["pr"]'
    path = write_settings(f"\n[robots.r]\n{robot}{departments}\n")
    assert main(["--settings", str(path), "db", "upgrade"]) == 2
    assert error in capsys.readouterr().err


def test_the_demo_settings_route_to_its_three_local_robots_signed_where_the_platform_signs(tmp_path, monkeypatch):
    from yuqing.config import load_settings
    from yuqing.demo import DEMO_ROBOTS, available_spiders, demo_robots, write_settings

    for _, _, prefix, _ in DEMO_ROBOTS:
        monkeypatch.delenv(f"{prefix}_URL", raising=False)
        monkeypatch.delenv(f"{prefix}_SECRET", raising=False)
    path = write_settings(tmp_path, "http://127.0.0.1:9", available_spiders(), robots=True)
    with demo_robots() as server:
        for _, _, prefix, _ in DEMO_ROBOTS:  # demo_robots set them for this process: undo them after the test
            monkeypatch.setenv(f"{prefix}_URL", os.environ[f"{prefix}_URL"])
            if f"{prefix}_SECRET" in os.environ:
                monkeypatch.setenv(f"{prefix}_SECRET", os.environ[f"{prefix}_SECRET"])
        robots = load_settings(path).robots
        assert {name: (r.platform, r.departments, r.url) for name, r in robots.items()} == {
            name: (platform, [department], server.url(name))
            for (name, platform, _, _), department in zip(DEMO_ROBOTS, ("pr", "quality", "leadership"), strict=True)}
        assert robots["pr-dingtalk"].secret == server.robots["pr-dingtalk"].secret
    assert not load_settings(write_settings(tmp_path, "http://127.0.0.1:9", available_spiders())).robots
