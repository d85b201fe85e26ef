"""``demo`` and ``demo-web``: the bundled demo sites, and the whole pipeline run against them."""

from __future__ import annotations

import time

from yuqing.cli import UserError


def register(commands) -> None:
    web = commands.add_parser("demo-web", help="在本机启动演示站点 (serve the bundled demo sites on 127.0.0.1)")
    web.add_argument("--port", type=int, default=8800)
    web.set_defaults(handler=demo_web_command)

    demo = commands.add_parser("demo", help="演示：抓取演示站点、分析、入库并汇总 (run the pipeline on the demo sites)")
    demo.add_argument("--workdir", default="var/demo", help="演示数据库与邮件目录 (default var/demo)")
    demo.set_defaults(handler=demo_command)


def demo_web_command(args, context) -> int:
    from datetime import UTC, datetime

    from demo.scenario import DURATION, build
    from demo.server import DemoServer
    from demo.world import World

    story = build(datetime.now(UTC) - DURATION)  # the whole story, already told
    try:
        server = DemoServer(World(story.posts), port=args.port).start()
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}") from None
    print(f"demo sites on {server.url} (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    finally:
        server.stop()


def demo_command(args, context) -> int:
    from yuqing.demo import run_demo

    return run_demo(args.workdir)
