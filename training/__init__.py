"""Local-first training: data pipeline, training entry point and evaluation."""
