"""Instagram professional account: DMs and public comments on the account's media."""

from __future__ import annotations

from heedful.channels.base import OutboundRequest, ParsedEvent, ProviderReceipt
from heedful.channels.providers.meta import feed, replies
from heedful.channels.providers.meta.graph_webhook import (
    GraphWebhook,
    as_list,
    as_str,
    entry_mismatch,
    from_epoch,
    load_entries,
)
from heedful.channels.providers.meta.messenger import Inbox, parse_messaging
from heedful.channels.registry import register


@register
class InstagramProvider(GraphWebhook):
    key = "instagram"
    family = "meta"
    identity_kind = "instagram"
    max_text_length = 2200  # a comment; DMs are checked in check_reply (1000 bytes)
    credential_keys = ("ig_user_id", "page_id", "app_secret", "verify_token", "page_access_token")
    dm_prefix = "igsid"

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        entries, ignored = load_entries(raw, "instagram")
        parsed = ParsedEvent(ignored=ignored)
        account = channel.credential("ig_user_id")
        inbox = Inbox("instagram", self.dm_prefix, channel.name)
        for entry in entries:
            mismatch = entry_mismatch(entry, account, "instagram account")
            if mismatch:
                parsed.ignored.append(mismatch)
                continue
            parse_messaging(as_list(entry.get("messaging")), inbox, parsed)
            feed.parse_instagram_changes(as_list(entry.get("changes")), account or as_str(entry.get("id")),
                                         parsed, at=from_epoch(entry.get("time")))
        return parsed

    def check_reply(self, channel, payload: dict, text: str) -> None:
        replies.check(payload, text, dm_prefix=self.dm_prefix, platform="Instagram", limit=1000,
                      unit="bytes")

    def private_thread_key(self, channel, payload: dict) -> str:
        return f"{self.dm_prefix}:{payload['to']}"

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        return replies.send(channel, request, dm_prefix=self.dm_prefix, comment_edge="replies",
                            account=channel.credential("ig_user_id"), token=channel.credential("page_access_token"),
                            platform="Instagram")
