"""The melody role: hooks (spec)."""
