"""The bassline role: genre-rule lines and hooks (spec)."""
