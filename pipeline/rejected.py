"""The error that turns an input into a ``rejects`` row instead of a document."""

from __future__ import annotations


class InputRejected(Exception):
    """An input that cannot become a document; ``reason`` is a rejects.reason value."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message
