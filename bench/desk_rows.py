"""The rows of the generated desk, written as COPY text lines (see desk_gen for the plan).

These loops write millions of rows, so they avoid per-row objects: values are formatted straight
into one line each, texts come pre-escaped, and random draws are kept to a few per row.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.desk_gen import (
    CHANNEL_MIX,
    NAMES,
    NOW,
    PUBLIC_PROVIDERS,
    Copier,
    Meta,
    Plan,
    Pools,
    handle_for,
    ts,
)

CONTACT_COLUMNS = ["id", "created_at", "updated_at", "name", "attributes", "followers_count", "verified"]
IDENTITY_COLUMNS = ["id", "created_at", "updated_at", "kind", "handle", "display_name", "username",
                    "followers_count", "verified", "blocked", "contact_id", "linked_via"]
CONVERSATION_COLUMNS = ["id", "channel_id", "contact_id", "status", "priority", "score", "public", "team_id",
                        "assignee_id", "subject", "thread_key", "sentiment", "messages_count", "preview",
                        "created_at", "last_activity_at", "last_inbound_at", "first_response_at",
                        "resolved_at", "snoozed_until"]
MESSAGE_COLUMNS = ["id", "conversation_id", "channel_id", "direction", "author_identity_id", "author_user_id",
                   "author_name", "subject", "text", "display_text", "html", "provider_message_id",
                   "reply_to_provider_id", "public", "automated", "sent_at", "created_at", "delivery_status",
                   "delivery_error", "sentiment", "language", "metadata"]
DAY = 86400
N = "\\N"


@dataclass
class Ids:
    """First id of each generated table (rows already there, e.g. from ingest, are kept)."""

    contact: int
    identity: int
    conversation: int
    message: int


class Identities:
    """Contact -> identity id per provider: the primary one is contiguous, extras numbered after."""

    def __init__(self, plan: Plan, ids: Ids):
        self.primary_base = ids.identity
        self.extra: dict[tuple[int, int], int] = {}
        next_id = ids.identity + len(plan.contact_primary)
        for contact, provider in zip(plan.conv_contact, plan.conv_provider, strict=True):
            if provider != plan.contact_primary[contact] and (contact, provider) not in self.extra:
                self.extra[(contact, provider)] = next_id
                next_id += 1
        self.count = next_id - ids.identity
        self.plan = plan

    def of(self, contact: int, provider: int) -> int:
        if provider == self.plan.contact_primary[contact]:
            return self.primary_base + contact
        return self.extra[(contact, provider)]


def write_people(conn, conn2, plan: Plan, ids: Ids, identities: Identities, rng: random.Random) -> int:
    """Contacts on one connection and identities on another (one COPY per connection at a time)."""
    contacts = Copier(conn, "contacts_contact", CONTACT_COLUMNS)
    people = Copier(conn2, "contacts_identity", IDENTITY_COLUMNS)
    created = ts(NOW - 400 * DAY)
    for index, provider in enumerate(plan.contact_primary):
        name = contact_name(index)
        followers = int(rng.paretovariate(1.2) * 40)
        contacts.row(f"{ids.contact + index}\t{created}\t{created}\t{name}\t{{}}\t{followers}\tf")
        kind = CHANNEL_MIX[provider][0]
        identity = identities.primary_base + index
        people.row(f"{identity}\t{created}\t{created}\t{kind}\t{handle_for(kind, identity)}\t{name}\t"
                   f"cust{identity}\t{followers}\tf\tf\t{ids.contact + index}\t")
    for (contact, provider), identity in identities.extra.items():
        kind = CHANNEL_MIX[provider][0]
        people.row(f"{identity}\t{created}\t{created}\t{kind}\t{handle_for(kind, identity)}\t"
                   f"{contact_name(contact)}\tcust{identity}\t0\tf\tf\t{ids.contact + contact}\t")
    contacts.close()
    people.close()
    return contacts.rows + people.rows


def contact_name(index: int) -> str:
    """Display names as desks see them: a few common "Ann K." forms, mostly personal handles
    ("mia_4821"), so names repeat the way real ones do rather than a few hundred times each."""
    first, last = NAMES[index % len(NAMES)], NAMES[index // len(NAMES) % len(NAMES)]
    if index % 5 == 0:
        return f"{first} {last[0]}."
    return f"{first.lower()}_{index * 7919 % 99991}"


def _status(age_days: float, big: bool, r: float) -> str:
    if big:
        return "open"
    if age_days < 7:
        return "open" if r < 0.6 else "pending" if r < 0.75 else "resolved"
    return "open" if r < 0.06 else "pending" if r < 0.08 else "resolved"


@dataclass
class Context:
    plan: Plan
    ids: Ids
    identities: Identities
    pools: Pools
    channels: dict[str, list[tuple[int, int | None]]]
    agents: list[int]
    lengths: list[int]
    big_threads: int
    meta: Meta


def write_threads(conn_conversations, conn_messages, ctx: Context, rng: random.Random) -> tuple[int, int]:
    conversations = Copier(conn_conversations, "conversations_conversation", CONVERSATION_COLUMNS,
                           optional=("replies_count", "reopened_count", "last_outbound_at"))
    messages = Copier(conn_messages, "conversations_message", MESSAGE_COLUMNS)
    sentiments = [f"{rng.uniform(-1, 1):.3f}" for _ in range(997)]
    priorities = [1] * 72 + [0] * 10 + [2] * 14 + [3] * 4
    n = len(ctx.lengths)
    mid = ctx.ids.message
    for i in range(n):
        big = i >= n - ctx.big_threads
        mid = _one_thread(i, big, mid, conversations, messages, ctx, rng, sentiments, priorities)
    conversations.close()
    messages.close()
    return conversations.rows, messages.rows


def _one_thread(i, big, mid, conversations, messages, ctx: Context, rng, sentiments, priorities) -> int:
    cid, contact = ctx.ids.conversation + i, ctx.plan.conv_contact[i]
    provider_index = ctx.plan.conv_provider[i]
    provider = CHANNEL_MIX[provider_index][0]
    channel_id, team_id = rng.choice(ctx.channels[provider])
    identity = ctx.identities.of(contact, provider_index)
    length = ctx.lengths[i]
    age = rng.random() * 3600 if big else (rng.random() ** 1.7) * 365 * DAY
    last = NOW - age
    gap = 60 * DAY / length if big else rng.expovariate(1 / 1800)
    status = _status(age / DAY, big, rng.random())
    assigned = status == "resolved" or rng.random() < 0.5
    assignee = ctx.agents[cid % len(ctx.agents)] if assigned else None
    public = "t" if provider in PUBLIC_PROVIDERS and rng.random() < 0.8 else "f"
    agent_name = f"Agent {assignee or ctx.agents[0]}"
    first = last - gap * (length - 1)
    last_in = first_out = last_out = None
    prev_pid, subject, preview, replies = "", "", "", 0
    for j in range(length):
        at = first + j * gap
        inbound = j % 2 == 0 or rng.random() < 0.15
        if inbound:
            text, preview, line = rng.choice(ctx.pools.inbound)
            subject = subject or line
            if mid % 50 == 7:  # customers quote order references: a needle to search for
                text += f" order ORD{mid:09d}"
                ctx.meta.needle = ctx.meta.needle or f"ORD{mid:09d}"
            last_in = at
            row = (f"{mid}\t{cid}\t{channel_id}\tin\t{identity}\t{N}\tCustomer {contact}\t\t{text}\t{text}\t\t"
                   f"bench-{mid}\t{prev_pid}\t{public}\tf\t{ts(at)}\t{ts(at + 1)}\treceived\t\t"
                   f"{sentiments[mid % 997]}\ten\t{{}}")
        else:
            text, preview, _ = rng.choice(ctx.pools.outbound)
            first_out, last_out = first_out or at, at
            replies += 1
            row = (f"{mid}\t{cid}\t{channel_id}\tout\t{N}\t{assignee or ctx.agents[0]}\t{agent_name}\t\t{text}\t"
                   f"{text}\t\tbench-{mid}\t{prev_pid}\t{public}\tf\t{ts(at)}\t{ts(at + 1)}\tsent\t\t{N}\ten\t{{}}")
        messages.row(row)
        prev_pid = f"bench-{mid}"
        mid += 1
    resolved = ts(last + 3600) if status == "resolved" else N
    counters = {"replies_count": replies, "reopened_count": 1 if cid % 31 == 0 else 0,
                "last_outbound_at": ts(last_out) if last_out else N}
    tail = "".join(f"\t{counters[c]}" for c in conversations.optional)
    conversations.row(
        f"{cid}\t{channel_id}\t{ctx.ids.contact + contact}\t{status}\t"
        f"{rng.choice(priorities)}\t{rng.random() * 3:.3f}\t{public}\t{team_id if team_id else N}\t"
        f"{assignee or N}\t{subject}\t\t{sentiments[cid % 997]}\t{length}\t{preview}\t{ts(first)}\t"
        f"{ts(last)}\t{ts(last_in) if last_in else N}\t{ts(first_out) if first_out else N}\t{resolved}\t{N}"
        + tail)
    if big:
        ctx.meta.big_conversations.append(cid)
    elif i % 997 == 3 and len(ctx.meta.sample_conversations) < 200:
        ctx.meta.sample_conversations.append(cid)
    return mid


def write_labels(conn, ctx: Context, label_ids: list[int], rng: random.Random) -> int:
    """About 5% of conversations carry a label (a filtered view to measure)."""
    labels = Copier(conn, "conversations_label_conversations", ["label_id", "conversation_id"])
    for i in range(len(ctx.lengths)):
        if rng.random() < 0.05:
            labels.row(f"{rng.choice(label_ids)}\t{ctx.ids.conversation + i}")
    labels.close()
    return labels.rows
