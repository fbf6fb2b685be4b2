"""A small conditioned GRU over grid steps, shared by the pitched roles (chords, bass, melody)."""
