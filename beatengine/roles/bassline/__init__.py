"""bassline role."""
