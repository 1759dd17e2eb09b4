"""Oversight of a police force's recovery from a failed records-system launch."""

__version__ = "0.1.0"
