"""Harmony roles: chord progressions, voicings, basslines and melodies."""
