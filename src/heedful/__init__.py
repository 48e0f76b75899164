"""Heedful: every customer channel in one queue, one history, one set of resolution metrics."""

__version__ = "0.1.0"
