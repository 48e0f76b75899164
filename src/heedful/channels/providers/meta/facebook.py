"""Facebook Page: Messenger conversations and public comments on the page's posts."""

from __future__ import annotations

from heedful.channels.base import OutboundRequest, ParsedEvent, ProviderReceipt
from heedful.channels.providers.meta import feed, replies
from heedful.channels.providers.meta.graph_webhook import as_list
from heedful.channels.providers.meta.platform import MessagingPlatform
from heedful.channels.registry import register

STANDBY_REASON = "standby: another app owns this Messenger thread (handover protocol)"


@register
class FacebookProvider(MessagingPlatform):
    key = "facebook"
    family = "meta"
    identity_kind = "facebook"
    max_text_length = 8000  # a comment; Messenger texts are checked in check_reply (2000)
    credential_keys = ("page_id", "app_secret", "verify_token", "page_access_token")
    dm_prefix = "psid"
    object_type, account_key, account_label = "page", "page_id", "page"

    def parse_changes(self, entry: dict, account: str, parsed: ParsedEvent) -> None:
        parsed.ignored.extend(STANDBY_REASON for _ in as_list(entry.get("standby")))
        feed.parse_page_changes(as_list(entry.get("changes")), account, parsed)

    def check_reply(self, channel, payload: dict, text: str) -> None:
        replies.check(payload, text, dm_prefix=self.dm_prefix, platform="Messenger", limit=2000)

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        return replies.send(channel, request, dm_prefix=self.dm_prefix, comment_edge="comments",
                            account=channel.credential("page_id"), token=channel.credential("page_access_token"),
                            platform="Facebook")
