"""The objects the lifespan makes once, and the consent check every consent-carrying request
passes before anything is generated or stored."""

import asyncio
from dataclasses import dataclass

from app.core.config import Settings
from app.schemas.common import Consent
from app.services.errors import ConsentChanged, ConsentRefused, Forbidden
from app.services.models import ModelBank
from app.services.runner import InferenceRunner
from eventlog.outbox import OutboxWorker
from eventlog.store import EventStore, NotOptedIn, iso


@dataclass
class Services:
    """What the lifespan makes once: settings, the event store and its delivery worker (None
    without a remote), the models, the inference runner and the runner that parses uploads (its
    own threads, so a flood of uploads never holds up generation)."""
    settings: Settings
    store: EventStore
    models: ModelBank
    runner: InferenceRunner
    parser: InferenceRunner
    outbox: OutboxWorker | None = None

    def committed(self) -> None:
        """An event was committed locally: wake the delivery worker."""
        if self.outbox is not None:
            self.outbox.wake()


def ensure_same_user(subject: str | None, user_id: str, *, field: str = "user_id") -> None:
    """No-op in local mode (subject None); else 403 unless user_id is the signed-in user.
    `field` names the offending field in the detail, e.g. "consent.user_id"."""
    if subject is not None and user_id != subject:
        raise Forbidden(f"{field} does not match the signed-in user")


def refuse_without_consent(consent: Consent, subject: str | None) -> None:
    """403 unless the signed-in user is the consent's user and the terms are accepted: checked
    before anything is generated or stored."""
    ensure_same_user(subject, consent.user_id, field="consent.user_id")
    if not consent.terms_accepted:
        raise ConsentRefused("consent.terms_accepted is false: the user has not accepted the "
                             "terms, so nothing was generated or stored")


async def check_consent(consent: Consent, subject: str | None, svc: Services) -> str:
    """`refuse_without_consent`, then a change of the user's consent goes on record. Returns when
    consent was checked: material of this request is refused if the user withdraws after it."""
    refuse_without_consent(consent, subject)
    checked_at = iso()
    if await asyncio.to_thread(svc.store.note_consent, consent.user_id, consent.terms_version,
                               consent.training_opt_in):
        svc.committed()
    return checked_at


async def store_events(svc: Services, *rows: tuple[str, dict], consented_at: str | None = None
                       ) -> None:
    """Commit (table, row) pairs together and wake the delivery worker. 409 when the user's
    consent to training changed while the request ran (a withdrawal, or a request without
    training_opt_in): then nothing of it is stored."""
    try:
        await asyncio.to_thread(lambda: svc.store.add(*rows, consented_at=consented_at))
    except NotOptedIn as exc:
        raise ConsentChanged("the user's consent to training changed while this request ran "
                             "(withdrawn, or a request without training_opt_in); nothing was "
                             "stored") from exc
    svc.committed()
