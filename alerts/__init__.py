"""Crisis alerts: indicators over stored mentions, rules per level, a state machine, mail via an outbox."""

# yuqing.config imports alerts.config for its [alerts] and [mail] sections, and alerts.config builds on
# yuqing.config's Section; loading yuqing.config first makes either import order work.
import yuqing.config  # noqa: F401
