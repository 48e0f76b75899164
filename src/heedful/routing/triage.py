"""Triage of inbound messages: how urgent a conversation is, decided as its messages arrive.

The ingestion pipeline's route step runs a `Router` per channel batch. It reads what it needs
once for the batch (the senders' recent conversations on any channel, the routing state of the
conversations the batch can touch, the SLA policies), then scores each message in memory:
the conversation's `score` and `priority` (written with the batch), its routing state with
the reasons and SLA due times and the topic labels of the admins' keyword rules
(`routing.topics`; both written by `flush()` once the batch has ids). After commit, the
new and reopened conversations go to the assignment job.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from heedful.conversations import labels
from heedful.conversations.models import Conversation, Status
from heedful.core import jobs
from heedful.core.clock import now
from heedful.routing import actions, conf, language, priority, sla, topics
from heedful.routing.models import Assignment, ConversationRouting, TeamQueue


class Router:
    """The route step of one channel's batch. `existing` holds the conversations (by id) the
    batch may thread into, already loaded and locked by the thread step."""

    def __init__(self, channel, identified=(), existing=None, *, policies: sla.Policies | None = None):
        self.channel, self.now = channel, now()
        self.provider = getattr(channel, "provider", "")
        self.vips = conf.vip_handles()
        self.days = timedelta(days=conf.repeat_days())
        contact_ids = {i.contact_id for _, _, i in identified if i is not None and getattr(i, "contact_id", None)}
        times = [m.sent_at or self.now for _, m, _ in identified]
        self.history = _history(contact_ids, min(times) - self.days, max(times)) if contact_ids else {}
        ids = [pk for pk in (existing or ()) if pk]
        self.states = {s.pk: s for s in ConversationRouting.objects.filter(pk__in=ids)} if ids else {}
        self.policies = policies if policies is not None else (sla.Policies.recent() if channel else sla.Policies([], {}))
        self.touched: dict[int, tuple[Conversation, ConversationRouting]] = {}
        self.opened: dict[int, list[tuple[Conversation, str]]] = defaultdict(list)  # contact -> new in batch
        self.to_assign: set[int] = set()  # id() of conversations that need an agent
        self.topics = topics.current().matcher(getattr(channel, "pk", None)) if channel else None
        self.labels: dict[int, set[str]] = {}  # id() of a conversation -> topic labels its messages gave

    def state(self, conversation: Conversation) -> ConversationRouting:
        key = id(conversation)
        if key not in self.touched:
            state = self.states.get(conversation.pk) if conversation.pk else None
            if state is None:
                state = ConversationRouting(inputs={}, reasons=[], breached=[], near_breach=[])
                if conversation.pk is None and getattr(conversation, "contact_id", None):
                    self.opened[conversation.contact_id].append((conversation, self.provider))
            self.touched[key] = (conversation, state)
        return self.touched[key][1]

    def route(self, conversation: Conversation, identity, msg, sentiment: float | None) -> None:
        """Score one message's conversation (in memory). Brand echoes and automated mail never
        raise a conversation."""
        if msg.direction != "in" or msg.automated:
            return
        state = self.state(conversation)
        started = conversation.created_at or msg.sent_at or self.now
        inputs = dict(state.inputs)
        inputs["public"] = bool(conversation.public)
        if identity is not None:
            self._reach(inputs, identity)
        if sentiment is not None:
            inputs["sentiment"] = sentiment
            conversation.sentiment = sentiment
        if msg.engagement:
            old = inputs.get("engagement") or {}
            inputs["engagement"] = {k: max(int(v), int(old.get(k, 0))) for k, v in {**old, **msg.engagement}.items()}
        inputs.setdefault("posted_at", (msg.sent_at or self.now).isoformat())
        contact_id = getattr(conversation, "contact_id", None)
        if contact_id:
            self._repeat(inputs, conversation, contact_id, started)
        text = msg.display_text if msg.display_text is not None else msg.text
        if not state.language:  # a conversation keeps its language: detect until one is told
            state.language = language.detect(text)
        if self.topics is not None:
            found = self.topics.labels_for(text)
            if found:
                self.labels.setdefault(id(conversation), set()).update(found)
        reasons = priority.factors(inputs, self.now)
        state.inputs, state.reasons, state.base_score = inputs, reasons, priority.total(reasons)
        self._sla(conversation, state, msg, started)
        state.sla_level = sla.level(conversation, state, self.policies, self.now)
        state.score = round(state.base_score + priority.sla_weight(state.sla_level), 4)
        conversation.score = state.score
        conversation.priority = max(conversation.priority, priority.band(state.score))
        if conversation.assignee_id is None and (conversation.pk is None or conversation.status == Status.RESOLVED):
            self.to_assign.add(id(conversation))

    def _reach(self, inputs: dict, identity) -> None:
        inputs["followers"] = max(int(inputs.get("followers") or 0), int(identity.followers_count or 0))
        inputs["verified"] = bool(inputs.get("verified") or identity.verified)
        handles = {str(getattr(identity, a, "") or "").lower().lstrip("@") for a in ("handle", "username")}
        if self.vips and handles & self.vips:
            inputs["vip_list"] = True
        contact = getattr(identity, "contact", None)
        attributes = getattr(contact, "attributes", None) or {}
        inputs["vip"] = bool(attributes.get("vip"))

    def _repeat(self, inputs: dict, conversation, contact_id: int, started) -> None:
        """Earlier conversations of the same customer, any channel, within the repeat window."""
        since = started - self.days
        earlier = [(provider, created) for pk, provider, created, last in self.history.get(contact_id, ())
                   if pk != conversation.pk and created < started and last >= since]
        earlier += [(provider, other.created_at) for other, provider in self.opened.get(contact_id, ())
                    if other is not conversation and other.created_at and other.created_at < started]
        inputs["repeat"] = len(earlier)
        other_channels = sorted((c, p) for p, c in earlier if p and p != self.provider)
        inputs["bypass_from"] = other_channels[-1][1] if other_channels else None

    def _sla(self, conversation, state, msg, started) -> None:
        if state.sla_policy_id is None and not state.first_response_due and conversation.status != Status.RESOLVED:
            policy = self.policies.match(conversation.team_id, getattr(self.channel, "pk", None),
                                         priority.band(state.base_score))
            if policy is not None:
                state.sla_policy = policy
                state.first_response_due = self.policies.due(policy, "first_response", started)
                state.resolution_due = self.policies.due(policy, "resolution", started)
            return
        policy = self.policies.by_id(state.sla_policy_id)
        answered = conversation.replies_count > state.replies_seen
        if policy is not None and conversation.replies_count and (state.next_response_due is None or answered):
            state.next_response_due = self.policies.due(policy, "next_response", msg.sent_at or self.now)
            state.replies_seen = conversation.replies_count
            state.breached = [t for t in state.breached if t != "next_response"]
            state.near_breach = [t for t in state.near_breach if t != "next_response"]

    def flush(self) -> None:
        """Write the batch's routing rows (call after the conversations are written) and queue
        assignment for after commit."""
        rows = []
        for conversation, state in self.touched.values():
            state.conversation_id = conversation.pk
            rows.append(state)
        actions.save_states(rows)
        if self.labels:  # before the assignment job reads them for skills
            labels.add_to_many({self.touched[key][0].pk: names for key, names in self.labels.items()})
        waiting = [c for key, (c, _) in self.touched.items() if key in self.to_assign and c.team_id]
        if not waiting:
            return
        # Most desks assign by hand: one small read here saves a job (a broker round trip and a
        # locked read) per batch for teams that do.
        automatic = set(TeamQueue.objects.filter(team_id__in={c.team_id for c in waiting})
                        .exclude(assignment=Assignment.MANUAL).values_list("team_id", flat=True))
        ids = sorted(c.pk for c in waiting if c.team_id in automatic)
        if ids:
            jobs.enqueue("heedful.routing.assign", ids)


def _history(contact_ids, since, until) -> dict[int, list[tuple]]:
    """contact -> [(conversation id, provider, created_at, last_activity_at)], one query."""
    found: dict[int, list[tuple]] = defaultdict(list)
    rows = (Conversation.objects.filter(contact_id__in=contact_ids, last_activity_at__gte=since, created_at__lte=until)
            .values_list("pk", "contact_id", "channel__provider", "created_at", "last_activity_at"))
    for pk, contact_id, provider, created, last in rows:
        found[contact_id].append((pk, provider, created, last))
    return found


def prioritise(conversation, identity, msg, sentiment: float | None, router: Router | None = None) -> None:
    """Score one message's conversation in memory (without a batch router: no history, no SLA,
    nothing read or written)."""
    (router or Router(None)).route(conversation, identity, msg, sentiment)
