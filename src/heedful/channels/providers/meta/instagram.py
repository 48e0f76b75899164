"""Instagram professional account: DMs and public comments on the account's media."""

from __future__ import annotations

from heedful.channels.base import OutboundRequest, ParsedEvent, ProviderReceipt
from heedful.channels.providers.meta import feed, replies
from heedful.channels.providers.meta.graph_webhook import as_list, from_epoch
from heedful.channels.providers.meta.platform import MessagingPlatform
from heedful.channels.registry import register


@register
class InstagramProvider(MessagingPlatform):
    key = "instagram"
    family = "meta"
    identity_kind = "instagram"
    max_text_length = 2200  # a comment; DMs are checked in check_reply (1000 bytes)
    credential_keys = ("ig_user_id", "page_id", "app_secret", "verify_token", "page_access_token")
    dm_prefix = "igsid"
    object_type, account_key, account_label = "instagram", "ig_user_id", "instagram account"

    def parse_changes(self, entry: dict, account: str, parsed: ParsedEvent) -> None:
        feed.parse_instagram_changes(as_list(entry.get("changes")), account, parsed,
                                     at=from_epoch(entry.get("time")))

    def check_reply(self, channel, payload: dict, text: str) -> None:
        replies.check(payload, text, dm_prefix=self.dm_prefix, platform="Instagram", limit=1000,
                      unit="bytes")

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        return replies.send(channel, request, dm_prefix=self.dm_prefix, comment_edge="replies",
                            account=channel.credential("ig_user_id"), token=channel.credential("page_access_token"),
                            platform="Instagram")
