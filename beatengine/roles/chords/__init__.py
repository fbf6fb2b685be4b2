"""chords role."""
