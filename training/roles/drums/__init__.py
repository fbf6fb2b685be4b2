"""The drum role: data, hooks (spec), evaluation, features."""
