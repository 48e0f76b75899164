"""The ingestion pipeline: normalize -> dedupe -> identify -> thread -> enrich -> route -> notify.

Events are processed in micro-batches: `process_events(ids)` claims the pending events, takes a
per-channel lock (so one channel's messages are threaded in arrival order even with several
workers), runs each step over the whole batch with bulk reads and writes, and records every
event's outcome (done / ignored / failed with its error and next retry) in the same transaction.
A crash anywhere leaves the events pending for the sweeper; a replay creates nothing twice
(messages are unique per channel and provider message id). If a batch fails, its events are
retried one by one so a single bad event cannot hold the others back.

The module reads in that order: the entry point, then one function per step, then delivery
news and engagement, then claiming and bookkeeping.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from heedful.channels import cache as channel_cache
from heedful.channels import registry
from heedful.channels.base import InboundMessage, ParsedEvent
from heedful.contacts import erasure, linking
from heedful.contacts.actions import resolve_identities
from heedful.contacts.models import Identity
from heedful.contacts.normalize import handle as normalized_handle
from heedful.conversations import bulk, delivery
from heedful.conversations.engagement import record_engagement
from heedful.conversations.models import Conversation, Delivery, Message
from heedful.core import jobs
from heedful.core.bulk_update import update_rows
from heedful.core.clock import backoff, now
from heedful.events import names
from heedful.events.dispatcher import delivered_together, emit
from heedful.ingestion import attachments as attachment_store
from heedful.ingestion import lookups
from heedful.ingestion.deletions import apply_deletion
from heedful.ingestion.models import EventStatus, InboundEvent
from heedful.ingestion.step_cost import StepClock
from heedful.insights.redaction import redact
from heedful.insights.sentiment import polarity
from heedful.routing import triage

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    created: list = field(default_factory=list)  # Message objects, ids once flushed
    duplicates: int = 0
    statuses: int = 0
    engagements: int = 0
    deletions: int = 0  # messages their author deleted on the provider, redacted
    lookups: int = 0  # detail reads queued for after the commit (ingestion.lookups)
    ignored: list[str] = field(default_factory=list)
    may_hold: bool = False  # a brand message whose parent is missing may wait for it
    may_wait: bool = False  # ... and keep waiting while its parent may be in a backlog
    received_at: datetime | None = None  # the event's receipt time, for that wait
    held: list[str] = field(default_factory=list)  # what the event waits for, if it waits
    route_us: float = 0.0  # this event's share of the route step (step_cost.StepClock)
    route_cpu_us: float = 0.0

    def as_dict(self) -> dict:
        return {"created": [m.pk for m in self.created], "duplicates": self.duplicates,
                "statuses": self.statuses, "engagements": self.engagements, "ignored": self.ignored,
                **({"held": self.held} if self.held else {}),
                **({"deletions": self.deletions} if self.deletions else {}),
                **({"lookups": self.lookups} if self.lookups else {}),
                **({"route_us": round(self.route_us, 1), "route_cpu_us": round(self.route_cpu_us, 1)}
                   if self.route_us else {})}

    @property
    def status(self) -> str:
        if self.held:
            return EventStatus.PENDING
        useful = (self.created or self.statuses or self.engagements or self.duplicates or self.deletions
                  or self.lookups)
        return EventStatus.DONE if useful else EventStatus.IGNORED


# -- entry point ---------------------------------------------------------------------------

def process_events(event_ids: list[int]) -> dict[str, int]:
    """Process stored events; safe to call any number of times with any ids.

    The batch's listeners run together after its commit (live notices in one round trip)."""
    with delivered_together(), transaction.atomic():
        events = _claim(event_ids)
        if not events:
            return {}
        parsed: dict[int, ParsedEvent] = {}
        for event in events:
            event.attempts += 1
            try:
                parsed[event.pk] = normalize(event)
            except Exception as exc:
                _failed(event, exc)
        # Parsing is pure (a third of a mail's cost): done before the locks, so another
        # worker's batch of the same channel parses while this one threads and writes.
        _lock_threads(events, parsed)
        good = [e for e in events if e.pk in parsed]
        if good:
            _apply_isolated(good, parsed)
        update_rows(events, _FIELDS)
    counts: dict[str, int] = {}
    for event in events:
        counts[event.status] = counts.get(event.status, 0) + 1
    return counts


def apply(events: list[InboundEvent], parsed: dict[int, ParsedEvent]) -> dict[int, Outcome]:
    """Run the steps after normalize for already-parsed events. Call inside a transaction."""
    hold, wait, at = settings.HEEDFUL_INGEST_HOLD_SECONDS, settings.HEEDFUL_INGEST_HOLD_MAX_SECONDS, now()
    outcomes = {e.pk: Outcome(ignored=list(parsed[e.pk].ignored), may_hold=may_hold(e, hold, at),
                              may_wait=may_hold(e, wait, at), received_at=e.received_at) for e in events}
    by_channel: dict[int, list[InboundEvent]] = {}
    for event in events:
        by_channel.setdefault(event.channel_id, []).append(event)
    for channel_events in by_channel.values():
        channel = channel_events[0].channel
        items = [(e.pk, m) for e in channel_events for m in parsed[e.pk].messages]
        if items:
            _channel_messages(channel, items, outcomes)
        for event in channel_events:
            _updates(channel, parsed[event.pk], outcomes[event.pk])
            outcomes[event.pk].lookups += lookups.record(channel, event.pk, parsed[event.pk].lookups,
                                                         outcomes[event.pk].ignored)
    return outcomes


def _channel_messages(channel, items: list[tuple[int, InboundMessage]], outcomes: dict[int, Outcome]) -> None:
    """One channel's messages (event id, message), in arrival order, through the steps.

    dedupe, identify and the thread lookups each read once for the whole batch. Then every
    message is threaded, enriched and routed in turn, because a message may answer (and
    reopen) a conversation an earlier one in the same batch touched. One write per table, then
    the senders' handles are linked and the batch is announced.
    """
    items = dedupe(channel, items, outcomes)
    identified = identify(items)
    batch = bulk.ConversationBatch()
    threads = Threads(channel, identified, batch, outcomes)
    routing = StepClock()
    with routing:
        router = triage.Router(channel, identified, threads.by_id)  # routing's reads, once per batch
    stored = []
    for event_id, msg, identity in identified:
        conversation = threads.thread(identity, msg, event_id)
        if conversation is None:
            continue
        enriched = enrich(msg)
        with routing:
            route(router, conversation, identity, msg, enriched["sentiment"])
        outcomes[event_id].created.append(batch.append(
            conversation, msg.attachments, **message_fields(event_id, identity, msg, enriched)))
        stored.append((identity, msg))
    batch.flush(attachment_store.save_all)
    with routing:
        router.flush()  # routing's rows for the batch, now that new conversations have ids
    routing.share([outcomes[pk] for pk in dict.fromkeys(event_id for event_id, _ in items)])
    linking.after_messages(channel, stored)  # join the handles messages reveal
    notify(batch)


# -- the steps -----------------------------------------------------------------------------

def normalize(event: InboundEvent) -> ParsedEvent:
    provider = registry.get(event.provider)
    return provider.parse(event.channel, bytes(event.raw), event.content_type)


def dedupe(channel, items: list[tuple[int, InboundMessage]],
           outcomes: dict[int, Outcome]) -> list[tuple[int, InboundMessage]]:
    """Drop messages already stored (a redelivery) or repeated in the batch; one read.

    Each one dropped counts as a duplicate on its event's outcome.
    """
    ids = [m.provider_message_id for _, m in items if m.provider_message_id]
    seen = set(Message.objects.filter(channel=channel).with_provider_ids(ids)
               .values_list("provider_message_id", flat=True))
    fresh = []
    for event_id, msg in items:
        pid = msg.provider_message_id
        if pid and pid in seen:
            outcomes[event_id].duplicates += 1
            continue
        seen.add(pid)
        fresh.append((event_id, msg))
    return fresh


def party(msg: InboundMessage):
    """The customer a message is about: its sender, or for a brand echo its recipient."""
    return msg.recipient if msg.direction == "out" else msg.sender


def identify(items: list[tuple[int, InboundMessage]]) -> list[tuple[int, InboundMessage, Identity | None]]:
    """(event id, message, identity of its customer or None), resolved for the batch at once.

    New handles become identities; a message from an erased customer is anonymised here,
    before anything of it is stored.
    """
    identities = resolve_identities([p for _, m in items if (p := party(m))])

    def identity_of(msg):
        who = party(msg)
        return identities.get((who.kind, who.handle)) if who else None

    return [(event_id, msg, identity_of(msg)) for event_id, msg in erasure.screened(items, identity_of)]


class Threads:
    """The thread step for one channel's batch: its bulk reads, then `thread()` per message.

    A message joins the conversation of the first provider id it answers (In-Reply-To and
    References, in_reply_to_status_id, a comment's parent ...), else the conversation named by a
    Heedful token only when the sender is that conversation's contact, else the unresolved
    conversation with the same provider thread key for the same contact. Never by subject alone.
    New conversations are opened in `batch`.
    """

    def __init__(self, channel, identified, batch: bulk.ConversationBatch, outcomes: dict[int, Outcome]):
        self.channel, self.batch, self.outcomes = channel, batch, outcomes
        reply_ids = {r for _, m, _ in identified for r in m.reply_to_ids if r}
        by_reply = dict(Message.objects.filter(channel=channel).with_provider_ids(reply_ids)
                        .values_list("provider_message_id", "conversation_id"))
        by_key = bulk.conversations_by_thread_key(channel, [
            (identity.contact_id if identity else None, m.thread_key) for _, m, identity in identified])
        hints = {m.conversation_hint for _, m, _ in identified if m.conversation_hint}
        locked = bulk.lock_conversations([*by_reply.values(), *by_key.values(), *hints])
        self.by_reply = {pid: locked[cid] for pid, cid in by_reply.items() if cid in locked}
        self.by_key = {key: locked[cid] for key, cid in by_key.items() if cid in locked}
        self.by_id = locked
        self.provider = registry.get(channel.provider)
        self.event_ids = sorted({event_id for event_id, _, _ in identified})
        self._oldest_pending = None  # receipt time of the oldest other waiting event, read once if needed
        self.in_flight = self._parents_in_flight([m for _, m, _ in identified
                                                  if m.reply_to_ids and not set(m.reply_to_ids) & set(by_reply)])

    def _parents_in_flight(self, orphans: list[InboundMessage]) -> set[str]:
        """Event keys of the orphans' parents that are stored and not processed yet: the
        parent came in before its reply but another batch (or a later place in this one)
        still holds it."""
        keys = {k for m in orphans for k in self.provider.parent_event_keys(self.channel, m)}
        if not keys:
            return set()
        return set(InboundEvent.objects.filter(channel=self.channel, status=EventStatus.PENDING,
                                               event_key__in=keys).values_list("event_key", flat=True))

    def _backlog_before(self, event_id: int) -> bool:
        """Whether an event of this channel not applied yet (outside this batch, or later in
        it) was received before this one, or within the hold window after it (another web
        process may commit a parent a moment after its reply): the parent of a brand reply
        may be that one."""
        received_at = self.outcomes[event_id].received_at
        if received_at is None:
            return False
        if self._oldest_pending is None:
            self._oldest_pending = (InboundEvent.objects.filter(channel=self.channel, status=EventStatus.PENDING)
                                    .exclude(pk__in=self.event_ids).order_by("pk")
                                    .values_list("received_at", flat=True).first()) or False
        later = [self.outcomes[pk].received_at for pk in self.event_ids if pk > event_id]
        waiting = [t for t in [self._oldest_pending or None, *later] if t is not None]
        return bool(waiting) and min(waiting) <= received_at + timedelta(seconds=settings.HEEDFUL_INGEST_HOLD_SECONDS)

    def _parent_since(self, msg: InboundMessage) -> bool:
        """Whether a message this one answers was committed since the batch read its parents
        (another worker's batch finished in between): then the next try threads it."""
        ids = [r for r in msg.reply_to_ids if r]
        return bool(ids) and Message.objects.filter(channel=self.channel).with_provider_ids(ids).exists()

    def _parent_in_flight(self, msg: InboundMessage) -> str:
        return next((k for k in self.provider.parent_event_keys(self.channel, msg) if k in self.in_flight), "")

    def find(self, identity, msg: InboundMessage) -> Conversation | None:
        for pid in msg.reply_to_ids:
            if pid in self.by_reply:
                return self.by_reply[pid]
        contact_id = identity.contact_id if identity else None
        hinted = self.by_id.get(msg.conversation_hint) if msg.conversation_hint else None
        if hinted is not None and hinted.contact_id == contact_id and hinted.channel_id == self.channel.pk:
            return hinted
        if msg.thread_key and contact_id:
            found = self.by_key.get((contact_id, msg.thread_key))
            if found is not None and found.status != "resolved":
                return found
        return None

    def thread(self, identity, msg: InboundMessage, event_id: int) -> Conversation | None:
        """The message's conversation, found or opened; None (with the reason) if it has none."""
        outcome = self.outcomes[event_id]
        conversation = self.find(identity, msg)
        if conversation is None:
            if msg.direction == "out" and not msg.automated and (msg.reply_to_ids or msg.thread_key) \
                    and (outcome.may_hold or (outcome.may_wait and (self._backlog_before(event_id)
                                                                    or self._parent_since(msg)))):
                # The customer message it answers may still be on its way (another web process
                # stored it later, another worker holds it, a backlog has not reached it): wait
                # for it rather than drop it.
                outcome.held.append(msg.provider_message_id or msg.thread_key)
            elif outcome.may_wait and self.in_flight and (parent := self._parent_in_flight(msg)):
                outcome.held.append(parent)  # its parent is stored, not yet threaded: wait for it
            elif msg.automated:
                outcome.ignored.append("automated message outside any conversation")
            elif msg.direction == "out":
                outcome.ignored.append("brand message outside any conversation")
            elif identity is None:
                outcome.ignored.append("message without a sender")
            else:
                conversation = self.batch.open(
                    self.channel, identity.contact, public=msg.public,
                    subject=msg.subject or _first_line(msg.text), thread_key=msg.thread_key,
                    at=msg.sent_at or now())
        if conversation is not None:  # later messages of the batch may answer this one
            if msg.provider_message_id:
                self.by_reply[msg.provider_message_id] = conversation
            if msg.thread_key and identity:
                self.by_key[(identity.contact_id, msg.thread_key)] = conversation
        return conversation


def _first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""


def enrich(msg: InboundMessage) -> dict:
    display = msg.display_text if msg.display_text is not None else msg.text
    display = redact(display, public=msg.public)
    return {"display_text": display, "sentiment": polarity(display) if msg.direction == "in" else None}


def route(router: triage.Router, conversation: Conversation, identity, msg: InboundMessage,
          sentiment: float | None) -> None:
    """Priority score with its reasons and SLA timers by routing's rules (in memory; the score
    is written with the batch, routing's own rows by `router.flush()`)."""
    router.route(conversation, identity, msg, sentiment)


def message_fields(event_id: int, identity, msg: InboundMessage, enriched: dict) -> dict:
    """The Message row the steps made of one inbound message (written by the batch's flush)."""
    sender = msg.sender
    return dict(
        direction=msg.direction, author_identity=identity if msg.direction == "in" else None,
        author_name=(sender.display_name or sender.username or sender.handle) if sender else "",
        subject=msg.subject[:500], text=msg.text, display_text=enriched["display_text"], html=msg.html,
        provider_message_id=msg.provider_message_id[:255],
        reply_to_provider_id=(msg.reply_to_ids[0] if msg.reply_to_ids else "")[:255],
        public=msg.public, automated=msg.automated, sent_at=msg.sent_at or now(),
        delivery_status=Delivery.RECEIVED if msg.direction == "in" else Delivery.SENT,
        sentiment=enriched["sentiment"], inbound_event_id=event_id,
        metadata={**msg.metadata, **({"engagement": msg.engagement} if msg.engagement else {}),
                  **({"echo": True} if msg.direction == "out" else {})},
    )


def notify(batch: bulk.ConversationBatch) -> None:
    """Announce what the batch created (the conversations app's events; sent after commit)."""
    batch.announce()


# -- delivery news and engagement ----------------------------------------------------------

def _updates(channel, event: ParsedEvent, outcome: Outcome) -> None:
    for status in event.statuses:
        outcome.statuses += apply_status(channel, status)
    for update in event.engagements:
        outcome.engagements += record_engagement(channel, update.provider_message_id, update.engagement)
    for deletion in event.deletions:
        apply_deletion(channel, deletion, outcome)


def apply_status(channel, status) -> int:
    if status.watermark is not None:  # Messenger: everything sent up to the watermark
        messages = Message.objects.filter(channel=channel, direction="out", sent_at__lte=status.watermark)
        if status.recipient is not None:  # only what was sent to this customer
            who = status.recipient
            messages = messages.filter(conversation__contact__identities__kind=who.kind,
                                       conversation__contact__identities__handle=normalized_handle(who.kind, who.handle))
        messages = messages.exclude(delivery_status__in=[Delivery.READ, Delivery.FAILED])[:500]
    else:
        messages = Message.objects.filter(channel=channel).with_provider_ids([status.provider_message_id])
    return sum(delivery.set_status(m, status.status, error=status.error) for m in messages)


# -- claiming and bookkeeping --------------------------------------------------------------

def _claim(event_ids: list[int]) -> list[InboundEvent]:
    qs = InboundEvent.objects.filter(pk__in=event_ids, status=EventStatus.PENDING)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    events = list(qs.order_by("pk"))
    # The channel from the process's short-lived cache: a join would decrypt its credentials
    # once per event.
    for event in events:
        event.channel = channel_cache.get_channel(event.channel_id)
    return events


def _lock_threads(events: list[InboundEvent], parsed: dict[int, ParsedEvent]) -> None:
    """Serialise processing per thread, or per channel, so replies never overtake their parent.

    A channel whose provider names each message's thread (`ordering_key`) takes its channel lock
    shared plus one lock per thread: batches of other threads of that channel run in parallel.
    Otherwise the channel lock is taken whole: a lock per customer is not enough there, since
    another customer may answer the brand's reply to this one. Locks are taken in one global
    order (channel, then key), which cannot deadlock.
    """
    if connection.vendor != "postgresql":
        return  # SQLite serialises writers anyway
    by_channel: dict[int, list[InboundEvent]] = {}
    for event in events:
        if event.pk in parsed:
            by_channel.setdefault(event.channel_id, []).append(event)
    with connection.cursor() as cursor:
        for channel_id in sorted(by_channel):
            keys = _thread_keys(by_channel[channel_id], parsed)
            if keys is None:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7001, channel_id])
                continue
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [7001, channel_id])
            if keys:  # one round trip for the batch's threads, taken in key order
                cursor.execute("SELECT count(pg_advisory_xact_lock(k)) FROM "
                               "(SELECT k FROM unnest(%s::bigint[]) AS k ORDER BY k) AS ordered", [sorted(keys)])


def _thread_keys(events: list[InboundEvent], parsed: dict[int, ParsedEvent]) -> set[int] | None:
    """64-bit lock keys of the threads these events' messages belong to; None: lock the channel."""
    channel = events[0].channel
    provider = registry.get(channel.provider)
    keys = set()
    for event in events:
        for msg in parsed[event.pk].messages:
            key = provider.ordering_key(channel, msg)
            if not key:
                return None
            digest = hashlib.blake2b(f"{channel.pk}:{key}".encode(), digest_size=8).digest()
            keys.add(int.from_bytes(digest, "big", signed=True))
    return keys


def _apply_isolated(events, parsed) -> None:
    """Whole batch first; if it fails, one savepoint per event so only the bad one fails."""
    try:
        with transaction.atomic():
            outcomes = apply(events, parsed)
        for event in events:
            _done(event, outcomes[event.pk])
        return
    except Exception as exc:
        if len(events) == 1:
            _failed(events[0], exc)
            return
    for event in events:
        try:
            with transaction.atomic():
                _done(event, apply([event], parsed)[event.pk])
        except Exception as exc:
            _failed(event, exc)


def _failed(event: InboundEvent, exc: Exception) -> None:
    # The error names the failure, never the payload (it may hold personal data).
    log.warning("inbound event %s failed (attempt %s): %s", event.pk, event.attempts, type(exc).__name__)
    event.last_error = f"{type(exc).__name__}: {exc}"[:4000]
    if event.attempts >= settings.HEEDFUL_INGEST_MAX_ATTEMPTS or getattr(exc, "permanent", False):
        event.status, event.next_attempt_at = EventStatus.FAILED, None
        emit(names.INBOUND_FAILED, event_id=event.pk)
    else:
        event.next_attempt_at = now() + backoff(event.attempts)


def may_hold(event: InboundEvent, window: float | None = None, at: datetime | None = None) -> bool:
    """Whether a brand message of this event may still wait for its parent: only with jobs that
    run apart from the request (inline jobs see events in the order they arrive) and only for
    `window` seconds (HEEDFUL_INGEST_HOLD_SECONDS) after it was received, so a true orphan is
    not held forever."""
    window = settings.HEEDFUL_INGEST_HOLD_SECONDS if window is None else window
    if not window or settings.HEEDFUL_JOBS == "inline" or event.received_at is None:
        return False
    return ((at or now()) - event.received_at).total_seconds() < window


def _done(event: InboundEvent, outcome: Outcome) -> None:
    event.status, event.result, event.last_error = outcome.status, outcome.as_dict(), ""
    if outcome.held:
        _hold(event)
        return
    event.processed_at, event.next_attempt_at = now(), None


def _hold(event: InboundEvent) -> None:
    """Leave the event pending and try it again shortly; a wait is not a failed attempt."""
    delay = settings.HEEDFUL_INGEST_HOLD_RETRY_SECONDS
    event.attempts -= 1
    event.next_attempt_at = now() + timedelta(seconds=delay)
    pk = event.pk
    transaction.on_commit(lambda: jobs.enqueue_in(delay, "heedful.ingestion.process", [pk]))


_FIELDS = ["status", "attempts", "result", "last_error", "processed_at", "next_attempt_at"]
