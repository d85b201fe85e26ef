"""The daemon: runs every job unattended. Not built yet (see the daemon issue); `yuqing crawl` runs one source."""

import sys

if __name__ == "__main__":
    sys.exit("scheduler.py: the daemon is not built yet; run `yuqing crawl SOURCE` instead")
