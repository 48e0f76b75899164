"""Instagram professional account: DMs and public comments on the account's media."""

from __future__ import annotations

from heedful.channels.base import (
    Credentials,
    DetailRequest,
    IdentityKind,
    OutboundRequest,
    ParsedEvent,
    ProviderReceipt,
)
from heedful.channels.providers.meta import feed, mentions, message_files, replies
from heedful.channels.providers.meta.graph_webhook import as_list, from_epoch
from heedful.channels.providers.meta.platform import MessagingPlatform
from heedful.channels.registry import register
from heedful.core.errors import ValidationError

INSTAGRAM = IdentityKind(
    key="instagram", label="Instagram", one_account_per_person=True,
    glyph='<rect x="2" y="2" width="12" height="12" rx="3.5" fill="none" stroke="currentColor" stroke-width="1.5"/>'
          '<circle cx="8" cy="8" r="2.7" fill="none" stroke="currentColor" stroke-width="1.5"/>'
          '<circle cx="11.6" cy="4.4" r=".9" fill="currentColor"/>',
)


class InstagramCredentials(Credentials):
    """The Instagram professional account, its linked Page and the Meta app's keys."""

    ig_user_id: str = ""
    page_id: str = ""
    app_secret: str = ""
    verify_token: str = ""
    page_access_token: str = ""


@register
class InstagramProvider(MessagingPlatform):
    key = "instagram"
    family = "meta"
    identity_kinds = (INSTAGRAM,)
    max_text_length = 2200  # a comment; DMs are checked in check_reply (1000 bytes)
    credentials = InstagramCredentials
    dm_prefix = "igsid"
    object_type, account_key, account_label = "instagram", "ig_user_id", "instagram account"

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        if content_type == mentions.CONTENT_TYPE:  # a mention's Graph read, stored by the lookup job
            return mentions.parse_fetched(raw, channel.credential("ig_user_id"))
        return super().parse(channel, raw, content_type)

    def fetch_details(self, channel, request: DetailRequest) -> tuple[bytes, str]:
        return mentions.fetch(channel, request)

    def parse_changes(self, entry: dict, account: str, parsed: ParsedEvent) -> None:
        feed.parse_instagram_changes(as_list(entry.get("changes")), account, parsed,
                                     at=from_epoch(entry.get("time")))

    def check_reply(self, channel, payload: dict, text: str) -> None:
        if mentions.is_mention(payload) and not payload.get("public"):
            raise ValidationError("Instagram takes no private reply to a mention: answer it in public")
        if mentions.is_mention(payload):
            if len(text) > self.max_text_length:
                raise ValidationError(f"an Instagram comment is at most {self.max_text_length} characters")
            return
        replies.check(payload, text, dm_prefix=self.dm_prefix, platform="Instagram", limit=1000,
                      unit="bytes")

    def check_attachments(self, channel, payload: dict, files) -> None:
        replies.check_files(payload, files, dm_prefix=self.dm_prefix, rules=message_files.INSTAGRAM_FILES)

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        if mentions.is_mention(request.payload) and request.payload.get("public"):
            return mentions.reply(channel, request)
        return replies.send(channel, request, dm_prefix=self.dm_prefix, comment_edge="replies",
                            account=channel.credential("ig_user_id"), token=channel.credential("page_access_token"),
                            platform="Instagram", kind=self.identity_kind)
