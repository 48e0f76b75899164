"""What this provider needs from the forum, as a port the forum's side plugs into.

A provider package imports only `channels.base` and the registry, so it cannot reach the forum's
tables. Instead it declares what it needs here, and the edge that joins the forum to the desk
(`heedful.community_desk`, at start-up) connects an implementation. Imports stay one way: the
joining edge imports this package and the forum; neither imports the other.
"""

from __future__ import annotations

from typing import Protocol


class Forum(Protocol):
    def publish_staff_reply(self, *, topic_id: int, text: str, idempotency_key: str,
                            outbound_id: int) -> int:
        """Post the desk's answer on the topic once per idempotency key; the post's id."""

    def send_private_message(self, *, member: str, text: str, idempotency_key: str, outbound_id: int) -> int:
        """Write the desk's private answer to a member (their forum handle) once per key; its id."""


_forum: Forum | None = None


def connect(forum: Forum | None) -> None:
    global _forum
    _forum = forum


def connected() -> Forum | None:
    return _forum
