"""Errors the core raises for requests it cannot serve (the app maps them to 4xx)."""


class UnsupportedRequest(ValueError):
    """The request asks for something the loaded model cannot do (e.g. a genre it never learned)."""
