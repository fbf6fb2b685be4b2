"""The event log: a local SQLite store (the truth for limits and lookups, and the outbox) and the
remote log it delivers to (Postgres directly, or Supabase over its REST API).

It knows nothing of HTTP; the web app and training both use it.
"""
