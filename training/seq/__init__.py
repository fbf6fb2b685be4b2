"""What chords, bassline and melody share: the step-sequence model family (arrays, hooks, evaluation)."""
