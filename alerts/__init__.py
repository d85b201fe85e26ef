"""Crisis alerts: indicators over stored mentions, rules per level, a state machine, mail via an outbox."""
