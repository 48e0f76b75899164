"""TWCS-shaped traffic: real tweets, scaled up with synthetic customers and threads.

The real "Customer Support on Twitter" sample gives the shape: reply chains (their lengths and
who speaks when), the tweets' texts, which brand answers, and how many threads one customer
opens. More traffic is made by drawing whole real chains as templates and giving each copy a
new customer and new tweet ids; the customer's @-id in the text is rewritten to match.
When the sample is absent, a small built-in set of chains stands in (and the report says so).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.config import TWCS_DIR


@dataclass(frozen=True)
class Template:
    brand: str
    turns: tuple[tuple[bool, str], ...]  # (inbound, text) in order


@dataclass(frozen=True)
class Shape:
    source: str  # where the templates came from
    templates: tuple[Template, ...]
    threads_per_customer: tuple[int, ...]  # an empirical sample to draw from
    brands: tuple[str, ...]

    def summary(self) -> dict:
        lengths = [len(t.turns) for t in self.templates]
        inbound = sum(i for t in self.templates for i, _ in t.turns)
        return {"source": self.source, "template_chains": len(self.templates),
                "mean_chain_length": round(sum(lengths) / len(lengths), 2),
                "inbound_share": round(inbound / sum(lengths), 3), "brands": len(self.brands)}


_MENTION = re.compile(r"@\d+\b")
_FALLBACK = (
    ("AcmeHelp", [(True, "@AcmeHelp my order still hasn't arrived and tracking says delivered"),
                  (False, "@{c} Sorry to hear that! Please DM us your order number and we'll check"),
                  (True, "@AcmeHelp sent it, thanks")]),
    ("AcmeHelp", [(True, "@AcmeHelp the app keeps crashing when I open my account page")]),
    ("SkyRail", [(True, "@SkyRail train cancelled again this morning, no announcement at all"),
                 (False, "@{c} We're sorry for the disruption. Which service were you on?"),
                 (True, "@SkyRail the 7:42 from Leeds"),
                 (False, "@{c} Thanks, that was due to a signalling fault. You can claim delay repay")]),
    ("SkyRail", [(True, "@SkyRail wifi on the train is useless"),
                 (False, "@{c} Sorry about that, which coach are you in?")]),
)


def _from_twcs() -> Shape | None:
    from heedful.channels.providers.twitter import twcs

    files = sorted(TWCS_DIR.glob("*.csv")) if TWCS_DIR.exists() else []
    tweets, seen = [], set()
    for path in files:
        for tweet in twcs.read(path):
            if tweet.tweet_id not in seen:
                seen.add(tweet.tweet_id)
                tweets.append(tweet)
    if not tweets:
        return None
    templates = []
    for chain in twcs.chains(tweets):
        brands = Counter(t.author_id for t in chain if not t.inbound)
        brand = brands.most_common(1)[0][0] if brands else _mentioned_brand(chain[0].text)
        if not brand:
            continue
        turns = tuple((t.inbound, t.text) for t in chain if t.inbound or t.author_id == brand)
        if turns and turns[0][0]:  # a thread starts with the customer
            templates.append(Template(brand, turns))
    per_customer = Counter(t.author_id for t in tweets if t.inbound and not t.in_response_to)
    return Shape(source=f"TWCS sample ({len(tweets)} real tweets in {len(files)} files)",
                 templates=tuple(templates), threads_per_customer=tuple(per_customer.values()) or (1,),
                 brands=tuple(sorted({t.brand for t in templates})))


def _mentioned_brand(text: str) -> str:
    match = re.match(r"@([A-Za-z_]\w+)", text or "")
    return match.group(1) if match else ""


def load_shape() -> Shape:
    shape = _from_twcs()
    if shape is not None and shape.templates:
        return shape
    templates = tuple(Template(b, tuple((i, t) for i, t in turns)) for b, turns in _FALLBACK)
    return Shape(source="built-in synthetic chains (TWCS sample not found)", templates=templates,
                 threads_per_customer=(1, 1, 1, 2, 2, 3), brands=("AcmeHelp", "SkyRail"))


@dataclass
class Tweet:
    tweet_id: str
    customer: str
    brand: str
    inbound: bool
    text: str
    parent: Tweet | None


def threads(shape: Shape, messages: int, *, seed: int, id_base: int, customer_base: int) -> list[list[Tweet]]:
    """Reply chains totalling `messages` tweets: new customers, each with an empirical number
    of threads, each thread a copy of a real chain (the last one cut to hit the total)."""
    rng = random.Random(seed)
    chains: list[list[Tweet]] = []
    made, next_id, customer = 0, id_base, customer_base
    while made < messages:
        customer += 1
        for _ in range(rng.choice(shape.threads_per_customer)):
            template = rng.choice(shape.templates)
            chain, parent = [], None
            for inbound, text in template.turns[: messages - made]:
                next_id += 1
                text = _MENTION.sub(f"@{customer}", text).replace("{c}", str(customer))
                parent = Tweet(str(next_id), str(customer), template.brand, inbound, text, parent)
                chain.append(parent)
            made += len(chain)
            chains.append(chain)
            if made >= messages:
                break
    return chains


def schedule(chains: list[list[Tweet]], *, spacing: int, seed: int) -> tuple[list[Tweet], int]:
    """One sending order: a chain's next tweet comes at least `spacing` slots after the one it
    answers (so a reply is sent well after its parent was accepted). Long chains start first so
    their tails fit. Returns (order, how many replies had to be sent closer than `spacing`)."""
    import heapq

    rng = random.Random(seed)
    total = sum(map(len, chains))
    gaps = [max(1, min(spacing, total // (2 * len(c)))) for c in chains]  # long chains: closer
    fresh = sorted(range(len(chains)), key=lambda i: (len(chains[i]) <= 8, rng.random()))
    fresh.reverse()  # pop() from the end: long chains first
    waiting: list[tuple[int, float, int, int]] = []  # (ready slot, tiebreak, chain, position)
    order, close = [], 0
    while fresh or waiting:
        slot = len(order)
        if waiting and (waiting[0][0] <= slot or not fresh):
            ready, _, index, position = heapq.heappop(waiting)
            close += ready > slot
        else:
            index, position = fresh.pop(), 0
        order.append(chains[index][position])
        if position + 1 < len(chains[index]):
            heapq.heappush(waiting, (slot + gaps[index], rng.random(), index, position + 1))
    return order, close


def payload(tweet: Tweet, brand_user_id: str, at: datetime) -> dict:
    """The Account Activity `tweet_create_events` payload Twitter would POST for this tweet."""
    from heedful.channels.providers.twitter import twcs

    def as_twcs(t: Tweet | None):
        if t is None:
            return None
        return twcs.TwcsTweet(tweet_id=t.tweet_id, author_id=t.customer if t.inbound else t.brand,
                              inbound=t.inbound, created_at=at, text=t.text, response_ids=(),
                              in_response_to=t.parent.tweet_id if t.parent else "")

    parent = as_twcs(tweet.parent)
    by_id = {parent.tweet_id: parent} if parent else {}
    return twcs.payload(as_twcs(tweet), by_id, twcs.Account(user_id=brand_user_id, screen_name=tweet.brand))


def timeline(count: int, rate: float, start: datetime | None = None) -> list[datetime]:
    """Tweet times as if they were written at the offered rate, ending now."""
    start = start or datetime.now(UTC) - timedelta(seconds=count / max(rate, 1.0))
    return [start + timedelta(seconds=i / max(rate, 1.0)) for i in range(count)]
