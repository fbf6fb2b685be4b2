"""The chord role: data, hooks (spec), evaluation, features."""
