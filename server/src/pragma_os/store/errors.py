"""Errors the store raises, so callers need not know SQLAlchemy's."""

from __future__ import annotations


class AlreadyExistsError(Exception):
    """An insert hit a uniqueness rule: the row exists already."""
