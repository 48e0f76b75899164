"""Bulk-load a desk at scale with PostgreSQL COPY: contacts, identities, conversations,
messages and labels, with distributions taken from the TWCS shape, then VACUUM ANALYZE.

The usual bulk-load routine: secondary indexes are dropped and rebuilt after the load (one
sort each instead of millions of inserts), and foreign-key triggers are off for the loading
session only (the rows are consistent by construction). Columns added to the models later
are filled with a neutral value for their type, so the generator keeps working as the schema
grows.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench import traffic
from bench.config import Sizes

CHANNEL_MIX = [("twitter", 0.45), ("email", 0.25), ("facebook", 0.10), ("whatsapp", 0.10),
               ("instagram", 0.05), ("api", 0.05)]
PUBLIC_PROVIDERS = {"twitter", "facebook", "instagram"}
IDENTITY_KIND = {"twitter": "twitter", "email": "email", "facebook": "facebook", "whatsapp": "whatsapp",
                 "instagram": "instagram", "api": "api"}
LOADED_TABLES = ("contacts_contact", "contacts_identity", "conversations_conversation",
                 "conversations_message", "conversations_label_conversations")
HEAVY_CONTACTS = 20  # repeat customers with a long cross-channel history
HEAVY_CONVERSATIONS = 150
NOW = time.time()


def esc(value: str) -> str:
    """A value in COPY text format."""
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))


_days: dict[int, str] = {}


def ts(seconds: float) -> str:
    """Epoch seconds as a COPY timestamp (cached per day: millions of calls)."""
    whole = int(seconds)
    day, rest = divmod(whole, 86400)
    prefix = _days.get(day)
    if prefix is None:
        prefix = _days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
    return f"{prefix} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}.{int((seconds - whole) * 1e6):06d}+00"


# -- schema helpers -----------------------------------------------------------------------

_NEUTRAL = {"integer": "0", "smallint": "0", "bigint": "0", "double precision": "0", "boolean": "f",
            "jsonb": "{}", "json": "{}", "text": "", "character varying": "", "numeric": "0",
            "timestamp with time zone": ts(NOW), "date": "2026-01-01", "uuid": "00000000-0000-0000-0000-000000000000"}


def column_plan(conn, table: str, known: list[str]) -> tuple[list[str], str]:
    """(columns to COPY, a constant tail for NOT NULL columns the generator does not know)."""
    rows = conn.execute("SELECT column_name, is_nullable, data_type, column_default, is_identity FROM "
                        "information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
                        [table]).fetchall()
    names = {r[0] for r in rows}
    missing = [c for c in known if c not in names]
    if missing:
        raise RuntimeError(f"{table} has no column(s) {missing}: update bench/desk_gen.py")
    extra = [(name, _NEUTRAL.get(dtype, "")) for name, nullable, dtype, default, identity in rows
             if name not in known and nullable == "NO" and default is None and identity != "YES"]
    tail = "".join("\t" + value for _, value in extra)
    return known + [name for name, _ in extra], tail


def secondary_indexes(conn, table: str) -> list[tuple[str, str]]:
    """(name, definition) of indexes that no constraint owns: safe to drop and rebuild."""
    return conn.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "WHERE t.relname = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [table]).fetchall()


class Copier:
    """One COPY ... FROM STDIN, fed with text lines in chunks. `optional` columns are written
    only when the table has them (the caller asks `has(name)` and appends their values)."""

    def __init__(self, conn, table: str, known: list[str], optional: tuple[str, ...] = ()):
        present = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", [table])}
        self.optional = [c for c in optional if c in present]
        self.columns, self.tail = column_plan(conn, table, known + self.optional)
        self.cursor = conn.cursor()
        self._ctx = self.cursor.copy(f"COPY {table} ({', '.join(self.columns)}) FROM STDIN")
        self.copy = self._ctx.__enter__()
        self.buffer: list[str] = []
        self.rows = 0

    def has(self, column: str) -> bool:
        return column in self.optional

    def row(self, values: str) -> None:
        self.buffer.append(values + self.tail + "\n")
        if len(self.buffer) >= 5000:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.copy.write("".join(self.buffer).encode())
            self.rows += len(self.buffer)
            self.buffer = []

    def close(self) -> None:
        self.flush()
        self._ctx.__exit__(None, None, None)


# -- what to generate ---------------------------------------------------------------------

@dataclass
class Pools:
    """Real tweet texts, escaped once: (text, preview of at most 280 characters, subject)."""

    inbound: list[tuple[str, str, str]]
    outbound: list[tuple[str, str, str]]

    @classmethod
    def from_shape(cls, shape: traffic.Shape) -> Pools:
        def entry(t: str) -> tuple[str, str, str]:
            return esc(t), esc(t[:280]), esc(_first_line(t))

        inbound = [entry(t) for tpl in shape.templates for i, t in tpl.turns if i]
        outbound = [entry(t) for tpl in shape.templates for i, t in tpl.turns if not i] or inbound
        return cls(inbound, outbound)


def _first_line(text: str) -> str:
    return next((line.strip()[:120] for line in text.splitlines() if line.strip()), "")


@dataclass
class Meta:
    """What the page measurements need to know about the generated desk."""

    big_conversations: list[int] = field(default_factory=list)
    sample_conversations: list[int] = field(default_factory=list)
    heavy_contacts: list[int] = field(default_factory=list)
    sample_contacts: list[int] = field(default_factory=list)
    channels: dict[str, int] = field(default_factory=dict)
    label_ids: list[int] = field(default_factory=list)
    needle: str = ""
    rare_word: str = ""
    common_word: str = ""


def lengths(shape: traffic.Shape, sizes: Sizes, rng: random.Random) -> list[int]:
    """Messages per conversation: the TWCS chain-length shape, scaled to the target mean."""
    n = sizes.desk_conversations - sizes.desk_big_threads
    budget = sizes.desk_messages - sizes.desk_big_threads * sizes.desk_big_thread_size
    sample = [len(t.turns) for t in shape.templates]
    factor = (budget / n) / (sum(sample) / len(sample))
    out = [max(1, int(rng.choice(sample) * factor + rng.random())) for _ in range(n)]
    diff = budget - sum(out)
    while diff:
        i = rng.randrange(n)
        step = 1 if diff > 0 else -1
        if out[i] + step >= 1:
            out[i] += step
            diff -= step
    return out + [sizes.desk_big_thread_size] * sizes.desk_big_threads


def search_words(pools: Pools) -> tuple[str, str]:
    """A common word (in many messages) and a rare one (in one source text) for search."""
    counts = Counter()
    for text in sorted({t for t, _, _ in pools.inbound}):  # sorted: the same words every run
        counts.update({w for w in re.findall(r"[a-z]{5,}", text.lower())})
    common = [w for w, _ in counts.most_common(40) if w not in {"there", "their", "would", "about", "which"}]
    rare = sorted(w for w, n in counts.items() if n == 1 and len(w) >= 7)
    return (common[5] if len(common) > 5 else "account"), (rare[len(rare) // 2] if rare else "refund")


# -- the plan: who owns which conversation, on which channel ------------------------------

NAMES = ("Ann", "Ben", "Chloe", "Dev", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jon", "Kofi", "Lena",
         "Mia", "Nour", "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Vik", "Wen", "Yara", "Zoe")


@dataclass
class Plan:
    conv_contact: list[int]  # conversation index -> contact index
    conv_provider: list[int]  # conversation index -> index into CHANNEL_MIX
    contact_primary: list[int]  # contact index -> provider index of its first identity
    heavy: list[int]  # contact indexes with a long history


def make_plan(sizes: Sizes, shape: traffic.Shape, rng: random.Random) -> Plan:
    n = sizes.desk_conversations
    weights = [w for _, w in CHANNEL_MIX]
    providers = range(len(CHANNEL_MIX))
    heavy_size = max(2, min(HEAVY_CONVERSATIONS, n // 2000))
    conv_contact, contact_primary, heavy = [], [], []
    contact = 0
    for _ in range(HEAVY_CONTACTS):
        heavy.append(contact)
        contact_primary.append(rng.choices(providers, weights)[0])
        conv_contact += [contact] * heavy_size
        contact += 1
    big_start = n - sizes.desk_big_threads
    while len(conv_contact) < big_start:
        contact_primary.append(rng.choices(providers, weights)[0])
        take = min(rng.choice(shape.threads_per_customer), big_start - len(conv_contact))
        conv_contact += [contact] * take
        contact += 1
    for _ in range(sizes.desk_big_threads):  # each huge thread with its own customer
        contact_primary.append(0)
        conv_contact.append(contact)
        contact += 1
    conv_provider = []
    for c in conv_contact:  # most customers stay on one channel; some switch (and bypass)
        stay = rng.random() < (0.5 if c < HEAVY_CONTACTS else 0.88)
        conv_provider.append(contact_primary[c] if stay else rng.choices(providers, weights)[0])
    return Plan(conv_contact, conv_provider, contact_primary, heavy)


def ensure_channels(people) -> dict[str, list[tuple[int, int | None]]]:
    """provider -> [(channel id, team id)]: the run's Twitter channels plus one per other provider."""
    from heedful.accounts.models import Team
    from heedful.channels.models import Channel

    support = Team.objects.get(slug="support").pk
    found: dict[str, list[tuple[int, int | None]]] = {}
    for provider, _ in CHANNEL_MIX:
        existing = list(Channel.objects.filter(provider=provider).order_by("pk").values_list("pk", "team_id"))
        if not existing:
            team = people.team_id if provider in PUBLIC_PROVIDERS else support
            channel = Channel.objects.create(provider=provider, name=f"Desk {provider}", team_id=team,
                                             credentials={"inbound_token": Channel.new_token()})
            existing = [(channel.pk, team)]
        found[provider] = existing
    return found


def handle_for(kind: str, identity_id: int) -> str:
    return {"twitter": str(5_000_000_000 + identity_id), "email": f"customer{identity_id}@example.com",
            "whatsapp": f"+4477{identity_id:08d}", "facebook": f"fb{identity_id}",
            "instagram": f"ig{identity_id}", "api": f"user-{identity_id}"}[kind]
