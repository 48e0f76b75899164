"""Who gets a conversation: per team, manual, round robin, by load or by skill.

Runs as a job after commit (never inside the ingestion transaction). Only online agents with
room under their capacity (per agent, and per channel kind when the team sets one) get work;
a returning customer goes to the agent who last helped them when that agent is free. Every
decision is logged with its reason (`AssignmentDecision`), including "nobody free".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from heedful.accounts.models import Profile
from heedful.conversations import actions as conversation_actions
from heedful.conversations.models import Conversation, Label, Status
from heedful.core.clock import now
from heedful.routing import actions, rescore
from heedful.routing.models import (
    AgentState,
    Assignment,
    AssignmentDecision,
    ConversationRouting,
    Presence,
    TeamQueue,
)

OPEN = (Status.OPEN, Status.PENDING)
PREVIOUS_AGENT_DAYS = 30
BATCH = 200


class Pool:
    """The agents of the teams in play: who is online, their capacity, skills and load."""

    def __init__(self, queues: dict[int, TeamQueue], exclude: set[int]):
        self.queues = queues
        self.members: dict[int, list[int]] = defaultdict(list)
        for team_id, user_id in (Profile.objects.filter(teams__in=list(queues), user__is_active=True)
                                 .values_list("teams", "user_id")):
            if user_id not in exclude:
                self.members[team_id].append(user_id)
        everyone = {u for users in self.members.values() for u in users}
        self.states = {s.user_id: s for s in AgentState.objects.filter(user_id__in=everyone)}
        self.online = {u for u, s in self.states.items() if s.status == Presence.ONLINE}
        self.load: dict[int, int] = defaultdict(int)
        self.load_kind: dict[tuple[int, str], int] = defaultdict(int)
        for row in (Conversation.objects.filter(assignee_id__in=self.online, status__in=OPEN)
                    .values("assignee_id", "channel__provider").annotate(n=Count("id"))):
            self.load[row["assignee_id"]] += row["n"]
            self.load_kind[(row["assignee_id"], row["channel__provider"])] += row["n"]
        self.names = dict(get_user_model().objects.filter(pk__in=everyone).values_list("pk", "username"))

    def capacity(self, user_id: int, queue: TeamQueue) -> int:
        state = self.states.get(user_id)
        return state.capacity if state and state.capacity else queue.capacity

    def free(self, team_id: int, kind: str) -> list[int]:
        queue = self.queues[team_id]
        kind_cap = queue.capacity_per_kind.get(kind)
        return sorted(u for u in self.members.get(team_id, ()) if u in self.online
                      and self.load[u] < self.capacity(u, queue)
                      and (kind_cap is None or self.load_kind[(u, kind)] < int(kind_cap)))

    def took(self, user_id: int, kind: str) -> None:
        self.load[user_id] += 1
        self.load_kind[(user_id, kind)] += 1


def assign_conversations(ids, *, exclude: set[int] = frozenset(), why: str = "") -> list[AssignmentDecision]:
    """Assign each unassigned, unresolved conversation among `ids` whose team assigns
    automatically. Highest priority first, then oldest."""
    with rescore.quiet(), transaction.atomic():
        conversations = list(Conversation.objects.select_for_update(of=("self",)).select_related("channel")
                             .filter(pk__in=list(ids), assignee__isnull=True).exclude(status=Status.RESOLVED)
                             .order_by("-priority", "created_at", "id"))
        team_ids = {c.team_id for c in conversations if c.team_id}
        queues = {q.team_id: q for q in TeamQueue.objects.select_for_update().filter(team_id__in=team_ids)
                  .exclude(assignment=Assignment.MANUAL)}
        conversations = [c for c in conversations if c.team_id in queues]
        if not conversations:
            return []
        pool = Pool(queues, set(exclude))
        previous = _previous_agents({c.contact_id for c in conversations}, {c.pk for c in conversations})
        languages = dict(ConversationRouting.objects.filter(pk__in=[c.pk for c in conversations])
                         .values_list("pk", "language"))
        labels: dict[int, set[str]] = defaultdict(set)
        for cid, name in (Label.conversations.through.objects.filter(conversation_id__in=[c.pk for c in conversations])
                          .values_list("conversation_id", "label__name")):
            labels[cid].add(name.casefold())
        decisions = []
        for conversation in conversations:
            queue, kind = queues[conversation.team_id], conversation.channel.provider
            agent, reason = choose(pool, queue, conversation.team_id, kind, previous.get(conversation.contact_id),
                                   languages.get(conversation.pk, ""), labels.get(conversation.pk, set()))
            if agent is not None:
                conversation_actions.assign(None, conversation, assignee=get_user_model()(pk=agent))
                pool.took(agent, kind)
                if queue.assignment == Assignment.ROUND_ROBIN:
                    queue.last_assigned_id = agent
            decisions.append(AssignmentDecision(conversation_id=conversation.pk, team_id=conversation.team_id,
                                                agent_id=agent, mode=queue.assignment,
                                                reason=(f"{why}; " if why else "") + reason))
        for queue in queues.values():
            if queue.assignment == Assignment.ROUND_ROBIN:
                queue.save(update_fields=["last_assigned"])
        actions.log_decisions(decisions)
        return decisions


def choose(pool: Pool, queue: TeamQueue, team_id: int, kind: str, previous: int | None, language: str,
           labels: set[str]) -> tuple[int | None, str]:
    free = pool.free(team_id, kind)
    if not free:
        return None, "no online agent with room: waits in the queue"
    name = pool.names.get
    if previous in free:
        return previous, f"returning customer: previous agent {name(previous)} is free"
    if queue.assignment == Assignment.ROUND_ROBIN:
        after = [u for u in free if queue.last_assigned_id is None or u > queue.last_assigned_id]
        agent = (after or free)[0]
        return agent, f"round robin: next online agent {name(agent)}"
    if queue.assignment == Assignment.SKILL:
        def fit(u):
            state = pool.states.get(u)
            speaks = bool(language) and state is not None and language in state.languages
            knows = labels & set(state.skills if state else ())
            return (speaks, len(knows), -pool.load[u], -u), speaks, knows
        ranked = sorted(free, key=lambda u: fit(u)[0], reverse=True)
        agent = ranked[0]
        _, speaks, knows = fit(agent)
        parts = ([f"speaks {language}"] if speaks else ([f"nobody free speaks {language}"] if language else []))
        parts += [f"knows {', '.join(sorted(knows))}"] if knows else []
        parts.append(f"{pool.load[agent]} open of {pool.capacity(agent, queue)}")
        return agent, f"skill: {name(agent)} " + "; ".join(parts)
    agent = min(free, key=lambda u: (pool.load[u], u))
    return agent, f"least loaded: {name(agent)} has {pool.load[agent]} open of {pool.capacity(agent, queue)}"


def _previous_agents(contact_ids, exclude_ids) -> dict[int, int]:
    """contact -> the agent of their latest other conversation in the last 30 days."""
    since = now() - timedelta(days=PREVIOUS_AGENT_DAYS)
    rows = (Conversation.objects.filter(contact_id__in=contact_ids, assignee__isnull=False, last_activity_at__gte=since)
            .exclude(pk__in=exclude_ids).order_by("last_activity_at").values_list("contact_id", "assignee_id"))
    return dict(rows)  # the latest wins


def assign_waiting(limit: int = BATCH) -> int:
    """Unassigned open conversations of automatic teams, oldest first (an agent came online)."""
    teams = list(TeamQueue.objects.exclude(assignment=Assignment.MANUAL).values_list("team_id", flat=True))
    ids = list(Conversation.objects.filter(team_id__in=teams, assignee__isnull=True, status=Status.OPEN)
               .order_by("created_at", "id").values_list("pk", flat=True)[:limit])
    return len([d for d in assign_conversations(ids) if d.agent_id]) if ids else 0


def reassign_from(user_id: int) -> int:
    """An agent went offline with work in hand: give their open conversations to others."""
    state = AgentState.objects.filter(user_id=user_id).first()
    if state is None or state.status != Presence.OFFLINE:
        return 0  # back online before the job ran
    teams = list(TeamQueue.objects.exclude(assignment=Assignment.MANUAL).values_list("team_id", flat=True))
    ids = []
    with rescore.quiet(), transaction.atomic():
        for conversation in Conversation.objects.select_for_update().filter(
                assignee_id=user_id, team_id__in=teams, status__in=OPEN):
            conversation_actions.assign(None, conversation, assignee=None)
            ids.append(conversation.pk)
    if not ids:
        return 0
    name = get_user_model().objects.filter(pk=user_id).values_list("username", flat=True).first()
    decisions = assign_conversations(ids, exclude={user_id}, why=f"reassigned: {name} went offline")
    return len([d for d in decisions if d.agent_id])
