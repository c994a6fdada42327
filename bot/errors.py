"""Errors that cross layers (a leaf module: it imports nothing of the project)."""

from __future__ import annotations


class StartupError(Exception):
    """A front-end or the service could not start (bad token, unreachable server); the message says which."""
