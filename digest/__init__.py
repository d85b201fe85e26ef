"""The daily digest email: ``yuqing digest``, and :func:`send_digest`, which the scheduler calls daily."""

from __future__ import annotations


def send_digest(db, settings, day=None):
    """See :func:`digest.send.send_digest` (imported on call: ``digest.config`` loads with the settings)."""
    from digest.send import send_digest as send

    return send(db, settings, day)
