"""Running yuqing on several machines: one elected scheduler, any number of long-lived crawl workers.

- :mod:`fleet.leader`: the scheduler's election, a PostgreSQL advisory lock held on one session. Whoever holds it
  schedules crawls, evaluates alerts, sends the outbox and the digest; the others wait as hot standbys.
- :mod:`fleet.runs`: a crawl run as the leader and the workers share it in redis: the start message, the counters
  that say when the run is over, its items and errors, recorded once on the source's row by the leader.
- :mod:`crawler.worker`: the worker side, Scrapy processes fed through scrapy-redis.
"""
