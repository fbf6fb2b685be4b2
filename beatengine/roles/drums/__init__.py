"""Drum role: vocabulary, grid representation, style rules, model, decoding and features."""
