"""Leaf types every part of yuqing shares; this package imports nothing of ours, so any layer may import it."""
