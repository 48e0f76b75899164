"""Topic labels from the admins' keyword rules, applied to customer messages as they arrive.

Every enabled `LabelRule` is compiled into one regular expression per channel (all keywords of
all rules that apply there, as whole words, any case), so a message is scanned once however
many rules there are. The compiled set is cached per process and rebuilt when a one-row
fingerprint of the table (count, highest id, latest change) differs. The fingerprint is read
at most every CHECK_SECONDS (it was a query per batch): a change made in this process applies
at once (`forget` after commit), one made in another within seconds.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Max

from heedful.routing.models import LabelRule

MAX_KEYWORDS = 200
MAX_KEYWORD_LENGTH = 100


@dataclass(frozen=True)
class Matcher:
    """One channel's rules: one pattern, and for each keyword (casefolded) the labels it gives."""

    pattern: re.Pattern | None
    labels: dict[str, tuple[str, ...]]

    def labels_for(self, text: str) -> set[str]:
        if self.pattern is None or not text:
            return set()
        found: set[str] = set()
        for hit in self.pattern.findall(text):
            found.update(self.labels.get(_key(hit), ()))
        return found


@dataclass(frozen=True)
class Compiled:
    fingerprint: tuple
    by_channel: dict[int | None, Matcher]  # None: a channel with no rules of its own

    def matcher(self, channel_id) -> Matcher:
        return self.by_channel.get(channel_id) or self.by_channel[None]


CHECK_SECONDS = 5.0  # how late another process's rule change may be seen (this one's: at once)
_cache: dict[str, Compiled | None] = {"compiled": None}
_checked = {"at": 0.0}


def forget(**_) -> None:
    _cache["compiled"] = None


def current() -> Compiled:
    """The compiled rules, rebuilt when the table changed since they were compiled. The table
    is looked at every CHECK_SECONDS at most: each batch of the pipeline asks."""
    compiled = _cache["compiled"]
    if compiled is not None and _checked["at"] > time.monotonic():
        return compiled
    mark = _fingerprint()
    if compiled is None or compiled.fingerprint != mark:
        compiled = _cache["compiled"] = _compile(mark)
    _checked["at"] = time.monotonic() + CHECK_SECONDS
    return compiled


def _fingerprint() -> tuple:
    row = LabelRule.objects.aggregate(n=Count("id"), top=Max("id"), changed=Max("updated_at"))
    return row["n"], row["top"], row["changed"]


def _compile(mark: tuple) -> Compiled:
    general: dict[str, set[str]] = defaultdict(set)
    per_channel: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for label, keywords, channel_id in (LabelRule.objects.filter(enabled=True)
                                        .values_list("label", "keywords", "channel_id")):
        target = per_channel[channel_id] if channel_id else general
        for keyword in keywords or ():
            key = _key(keyword)
            if key:
                target[key].add(label)
    by_channel = {None: _matcher(general)}
    for channel_id, own in per_channel.items():
        merged = defaultdict(set, {k: set(v) for k, v in general.items()})
        for key, labels in own.items():
            merged[key] |= labels
        by_channel[channel_id] = _matcher(merged)
    return Compiled(mark, by_channel)


def _matcher(keywords: dict[str, set[str]]) -> Matcher:
    if not keywords:
        return Matcher(None, {})
    # longest first, so "money back guarantee" wins over "money back" at the same place
    parts = [r"\s+".join(re.escape(word) for word in key.split()) for key in sorted(keywords, key=len, reverse=True)]
    pattern = re.compile(r"(?<!\w)(" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)
    return Matcher(pattern, {key: tuple(sorted(labels)) for key, labels in keywords.items()})


def _key(text: str) -> str:
    return " ".join(str(text).casefold().split())


def clean_keywords(raw) -> list[str]:
    """Trimmed, de-duplicated (any case) keywords and phrases, in the admin's order."""
    seen, result = set(), []
    for item in raw or ():
        phrase = " ".join(str(item).split())[:MAX_KEYWORD_LENGTH]
        if phrase and _key(phrase) not in seen:
            seen.add(_key(phrase))
            result.append(phrase)
    return result[:MAX_KEYWORDS]
