"""The same list size for both: the staff lists compared hold `sizes.list_rows` rows each.

After ingest, Heedful's desk is topped up to `list_rows` conversations with the desk loader
(TWCS texts and shapes, COPY) before its inbox is timed; the peer's tickets made from the same
threads are topped up to the same number before its ticket list is timed (bench.peer).
"""

from __future__ import annotations

from dataclasses import replace

from bench.config import Settings, Sizes
from bench.procs import log

MESSAGES_PER_CONVERSATION = 4  # the loader draws real thread lengths around this budget


def counts() -> dict:
    from heedful.conversations.models import Conversation

    return {"conversations": Conversation.objects.count(),
            "open_conversations": Conversation.objects.filter(status="open").count()}


def top_up_heedful(settings: Settings, sizes: Sizes, people) -> dict:
    from bench import desk_load

    before = counts()
    need = sizes.list_rows - before["conversations"]
    if need <= 0:
        return {**before, "added": 0}
    loaded, _ = desk_load.load(settings, replace(sizes, desk_conversations=need,
                                                 desk_messages=need * MESSAGES_PER_CONVERSATION,
                                                 desk_big_threads=0), people)
    after = counts()
    log(f"list: desk topped up from {before['conversations']} to {after['conversations']} conversations")
    return {**after, "added": loaded["conversations"], "load_s": loaded.get("copy_s")}
