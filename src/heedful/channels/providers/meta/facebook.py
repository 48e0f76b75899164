"""Facebook Page: Messenger conversations and public comments on the page's posts."""

from __future__ import annotations

from heedful.channels.base import OutboundRequest, ParsedEvent, ProviderReceipt
from heedful.channels.providers.meta import feed, replies
from heedful.channels.providers.meta.graph_webhook import (
    GraphWebhook,
    as_list,
    as_str,
    entry_mismatch,
    load_entries,
)
from heedful.channels.providers.meta.messenger import Inbox, parse_messaging
from heedful.channels.registry import register

STANDBY_REASON = "standby: another app owns this Messenger thread (handover protocol)"


@register
class FacebookProvider(GraphWebhook):
    key = "facebook"
    family = "meta"
    identity_kind = "facebook"
    max_text_length = 8000  # a comment; Messenger texts are checked in check_reply (2000)
    credential_keys = ("page_id", "app_secret", "verify_token", "page_access_token")
    dm_prefix = "psid"

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        entries, ignored = load_entries(raw, "page")
        parsed = ParsedEvent(ignored=ignored)
        page_id = channel.credential("page_id")
        inbox = Inbox("facebook", self.dm_prefix, channel.name)
        for entry in entries:
            mismatch = entry_mismatch(entry, page_id, "page")
            if mismatch:
                parsed.ignored.append(mismatch)
                continue
            parse_messaging(as_list(entry.get("messaging")), inbox, parsed)
            parsed.ignored.extend(STANDBY_REASON for _ in as_list(entry.get("standby")))
            feed.parse_page_changes(as_list(entry.get("changes")), page_id or as_str(entry.get("id")), parsed)
        return parsed

    def check_reply(self, channel, payload: dict, text: str) -> None:
        replies.check(payload, text, dm_prefix=self.dm_prefix, platform="Messenger", limit=2000)

    def private_thread_key(self, channel, payload: dict) -> str:
        return f"{self.dm_prefix}:{payload['to']}"

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        return replies.send(channel, request, dm_prefix=self.dm_prefix, comment_edge="comments",
                            account=channel.credential("page_id"), token=channel.credential("page_access_token"),
                            platform="Facebook")
