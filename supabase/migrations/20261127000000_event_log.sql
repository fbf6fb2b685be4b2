-- The event log of the Beat Addicts engine (tables, row-level security, the training view).
--
-- Applied by the Supabase CLI (`supabase db push`) or, to any Postgres, by
-- `python -m eventlog.migrate` (DATABASE_URL). Every row is an event with a client-made
-- `event_id`: the service commits it locally first and delivers it here with an idempotent upsert
-- (ON CONFLICT (event_id) DO NOTHING), so a redelivery never makes a duplicate. There are no
-- foreign keys between these tables on purpose: events arrive in any order after an outage.
-- `user_id` is the DAW user's id; with verified users it is the Supabase auth user's id (`sub`).

-- On a plain Postgres (not Supabase) the roles and auth.uid() that the policies name do not
-- exist: create stand-ins. On Supabase they exist and are left alone.
do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'service_role') then
    create role service_role nologin bypassrls;
  end if;
end
$$;

create schema if not exists auth;

do $$
begin
  if to_regprocedure('auth.uid()') is null then
    -- Supabase's auth.uid() reads the verified JWT's sub the same way.
    execute $f$
      create function auth.uid() returns uuid language sql stable as
      'select nullif(current_setting(''request.jwt.claim.sub'', true), '''')::uuid'
    $f$;
    grant usage on schema auth to anon, authenticated, service_role;
  end if;
end
$$;

create table if not exists public.generations (
  event_id uuid primary key,              -- the generation_id the API returned
  user_id text not null,
  role text not null,
  request jsonb,                          -- the request as sent, consent excluded
  params jsonb not null,                  -- the resolved parameters
  seed bigint not null,
  model_name text not null,
  model_version text not null,
  consent jsonb not null,
  latency_ms double precision,
  created_at timestamptz not null
);

create table if not exists public.feedback (
  event_id uuid primary key,
  user_id text not null,
  generation_id uuid not null,
  variation integer not null check (variation >= 0),
  accepted boolean not null,
  reason text,
  created_at timestamptz not null
);

create table if not exists public.genre_preferences (
  event_id uuid primary key,
  user_id text not null,
  genres jsonb not null,                  -- ["trap", "house"]
  created_at timestamptz not null
);

create table if not exists public.midi_uploads (
  event_id uuid primary key,              -- the upload_id the API returned
  user_id text not null,
  filename text,
  size_bytes integer not null,
  sha256 text not null,
  summary jsonb not null,                 -- what was parsed: tracks, bars, tempo, key
  training_opt_in boolean not null,       -- true: the file is in training_items too
  created_at timestamptz not null
);

create table if not exists public.training_batches (
  event_id uuid primary key,              -- the batch_id the API returned
  user_id text not null,
  item_count integer not null,
  created_at timestamptz not null
);

-- Training material. Only ever written for a user who opted in; the check makes that a rule of
-- the table, not only of the code.
create table if not exists public.training_items (
  event_id uuid primary key,
  user_id text not null,
  batch_id uuid,                          -- null for an upload
  upload_id uuid,                         -- null for a batch item
  source text not null check (source in ('upload', 'midi', 'generation')),
  role text,
  genre text,
  generation_id uuid,
  variation integer,
  midi_base64 text not null,              -- the Standard MIDI File
  sha256 text not null,
  training_opt_in boolean not null check (training_opt_in),
  created_at timestamptz not null
);

create table if not exists public.consent_events (
  event_id uuid primary key,
  user_id text not null,
  kind text not null check (kind in ('consent', 'withdrawal')),
  terms_version text,
  terms_accepted boolean,
  training_opt_in boolean not null,
  created_at timestamptz not null
);

create index if not exists generations_user on public.generations (user_id, created_at);
create index if not exists feedback_user on public.feedback (user_id, created_at);
create index if not exists genre_preferences_user on public.genre_preferences (user_id, created_at);
create index if not exists midi_uploads_user on public.midi_uploads (user_id, created_at);
create index if not exists training_batches_user on public.training_batches (user_id, created_at);
create index if not exists training_items_user on public.training_items (user_id, created_at);
create index if not exists consent_events_user on public.consent_events (user_id, created_at);

-- The only way training reads user material: items of users whose latest consent event is an
-- opt-in (a withdrawal, or a later request without training_opt_in, excludes them), and never an
-- item from before a withdrawal, even while the delete that the withdrawal queued is on its way.
create or replace view public.training_material with (security_invoker = true) as
select i.*
from public.training_items i
where i.training_opt_in
  and coalesce((
    select c.kind = 'consent' and c.training_opt_in
    from public.consent_events c
    where c.user_id = i.user_id
    order by c.created_at desc
    limit 1
  ), false)
  and not exists (
    select 1
    from public.consent_events w
    where w.user_id = i.user_id and w.kind = 'withdrawal' and w.created_at >= i.created_at
  );

-- Row-level security: the service role writes (and bypasses RLS on Supabase); an authenticated
-- user reads only their own rows; anon gets nothing.
do $$
declare
  t text;
begin
  foreach t in array array['generations', 'feedback', 'genre_preferences', 'midi_uploads',
                           'training_batches', 'training_items', 'consent_events']
  loop
    execute format('alter table public.%I enable row level security', t);
    execute format('revoke all on public.%I from anon, authenticated', t);
    execute format('grant select on public.%I to authenticated', t);
    execute format('grant select, insert, update, delete on public.%I to service_role', t);
    execute format('drop policy if exists service_role_all on public.%I', t);
    execute format('create policy service_role_all on public.%I for all to service_role '
                   'using (true) with check (true)', t);
    execute format('drop policy if exists own_rows_read on public.%I', t);
    execute format('create policy own_rows_read on public.%I for select to authenticated '
                   'using (user_id = (select auth.uid())::text)', t);
  end loop;
end
$$;

revoke all on public.training_material from anon, authenticated;
grant select on public.training_material to authenticated, service_role;
