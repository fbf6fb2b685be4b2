"""Errors every part of training raises alike."""


class NoTrainingData(RuntimeError):
    """Raised when the configured data paths hold no usable material for a role."""
