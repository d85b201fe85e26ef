"""Delivery: the outbox queue and the transports that carry its rows out (email over SMTP or to ``.eml`` files).

Features decide *what* to say and to whom and call :func:`delivery.outbox.enqueue` in their own transaction;
the outbox decides *when* (retries, leases, rate limits) and each channel's transport *how*. The layout follows
Alertmanager's ``notify/<channel>/``: ``delivery/<channel>/`` holds one transport, ``delivery/channels.py`` lists
them. Adding a channel: a folder with a class having ``send(Outgoing)``, ``rate_limits(destination)`` and
``close()`` (raising ``PermanentFailure`` or ``TemporaryFailure``), and one line in ``CHANNELS``.
"""
