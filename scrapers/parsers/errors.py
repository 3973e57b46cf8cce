"""Errors raised by the pure parsers."""


class ParseError(ValueError):
    """A payload did not have the structure a parser expects."""
