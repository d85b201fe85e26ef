"""Discuz! X3 boards: thread lists and threads, GBK or UTF-8."""
