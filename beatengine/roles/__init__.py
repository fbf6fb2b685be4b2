"""The roles: what each part (drums, chords, bassline, melody) is, one folder each."""
