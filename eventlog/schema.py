"""The event tables, in the shape of `supabase/migrations/` (the remote schema), for SQLite.

The local store keeps the same tables and columns (uuids and times as text, JSON as text, booleans as
0/1), plus what only the local side needs: `generations.status`/`day` (the daily limit reserves a
row before generating), the `outbox` of events not yet delivered to the remote, the delivery
`outbox_lease` (which process may deliver) and the `outbox_stats` every worker process reports.
"""

# table -> its columns, in the order of the migration. Every table has `event_id` (the primary key
# the remote upserts on), `user_id` and `created_at`.
TABLES: dict[str, tuple[str, ...]] = {
    "generations": ("event_id", "user_id", "role", "request", "params", "seed", "model_name",
                    "model_version", "consent", "latency_ms", "created_at"),
    "feedback": ("event_id", "user_id", "generation_id", "variation", "accepted", "reason",
                 "created_at"),
    "genre_preferences": ("event_id", "user_id", "genres", "created_at"),
    "midi_uploads": ("event_id", "user_id", "filename", "size_bytes", "sha256", "summary",
                     "training_opt_in", "created_at"),
    "training_batches": ("event_id", "user_id", "item_count", "created_at"),
    "training_items": ("event_id", "user_id", "batch_id", "upload_id", "source", "role", "genre",
                       "generation_id", "variation", "midi_base64", "sha256", "training_opt_in",
                       "created_at"),
    "consent_events": ("event_id", "user_id", "kind", "terms_version", "terms_accepted",
                       "training_opt_in", "created_at"),
}
JSON_COLUMNS = frozenset({"request", "params", "consent", "genres", "summary"})
BOOL_COLUMNS = frozenset({"accepted", "training_opt_in", "terms_accepted"})
# What a withdrawal of consent removes.
MATERIAL_TABLES = ("training_items", "training_batches")

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS generations (
    event_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL,
    request TEXT,
    params TEXT,
    seed INTEGER,
    model_name TEXT,
    model_version TEXT,
    consent TEXT,
    latency_ms REAL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
    day TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS generations_user_day ON generations (user_id, day);
-- Reservations left pending by a crashed process are found and settled through this.
CREATE INDEX IF NOT EXISTS generations_pending ON generations (created_at) WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS feedback (
    event_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    generation_id TEXT NOT NULL,
    variation INTEGER NOT NULL CHECK (variation >= 0),
    accepted INTEGER NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS genre_preferences (
    event_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    genres TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS midi_uploads (
    event_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    filename TEXT,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    summary TEXT NOT NULL,
    training_opt_in INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS training_batches (
    event_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    item_count INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS training_items (
    event_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    batch_id TEXT,
    upload_id TEXT,
    source TEXT NOT NULL CHECK (source IN ('upload', 'midi', 'generation')),
    role TEXT,
    genre TEXT,
    generation_id TEXT,
    variation INTEGER,
    midi_base64 TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    training_opt_in INTEGER NOT NULL CHECK (training_opt_in = 1),
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS training_items_user ON training_items (user_id, created_at);

CREATE TABLE IF NOT EXISTS consent_events (
    event_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('consent', 'withdrawal')),
    terms_version TEXT,
    terms_accepted INTEGER,
    training_opt_in INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS consent_events_user ON consent_events (user_id, created_at);

-- The migration's view, in SQLite: the only way training reads user material. An item is left out
-- once any consent event at or after it says no (an opt-out or a withdrawal; both carry
-- training_opt_in = 0), even after a later opt-in: only material sent again comes back.
DROP VIEW IF EXISTS training_material;
CREATE VIEW training_material AS
SELECT i.* FROM training_items i
WHERE i.training_opt_in = 1
  AND coalesce((SELECT c.kind = 'consent' AND c.training_opt_in = 1 FROM consent_events c
                WHERE c.user_id = i.user_id ORDER BY c.created_at DESC LIMIT 1), 0)
  AND NOT EXISTS (SELECT 1 FROM consent_events n WHERE n.user_id = i.user_id
                  AND n.training_opt_in = 0 AND n.created_at >= i.created_at);

-- Events committed here and not yet delivered to the remote (deleted once delivered).
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'withdraw')),
    tbl TEXT NOT NULL,
    user_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);

-- Who may deliver: one worker process at a time (several uvicorn workers share this file). Taken
-- when free or expired, renewed before every send, released when the queue is drained.
CREATE TABLE IF NOT EXISTS outbox_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL,
    expires_at REAL NOT NULL
);

-- Delivery figures of this store, whichever process delivered: what /health and /metrics report.
CREATE TABLE IF NOT EXISTS outbox_stats (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    delivered INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
INSERT OR IGNORE INTO outbox_stats (id) VALUES (1);
"""
