"""What bassline and melody share: line windows, hooks, evaluation, features."""
