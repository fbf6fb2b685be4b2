-- training_material: material from before an opt-out never comes back.
--
-- The first view left out a user's items only while their latest consent event said no, and
-- items from before a withdrawal; material hidden by a request without training_opt_in came back
-- when the user opted in again. Now an item is left out once any consent event at or after it
-- says no (an opt-out or a withdrawal: both carry training_opt_in = false), whatever comes later:
-- only material the user sends again (a new row) is read. Same columns, so the view is replaced in
-- place and keeps its grants (given again below all the same).
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
    from public.consent_events n
    where n.user_id = i.user_id and not n.training_opt_in and n.created_at >= i.created_at
  );

revoke all on public.training_material from anon, authenticated;
grant select on public.training_material to authenticated, service_role;
