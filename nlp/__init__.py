"""The Chinese NLP stage: text and metadata in, analysis out. Imports nothing else of the project."""

from nlp.text import to_simplified

__all__ = ["to_simplified"]
