"""lines role."""
