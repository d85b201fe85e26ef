"""The daily digest email: ``yuqing digest``, and ``digest.send.send_digest``, which the scheduler calls daily."""
