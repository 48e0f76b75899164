"""Facebook Page: Messenger conversations and public comments on the page's posts."""

from __future__ import annotations

from heedful.channels.base import (
    MB,
    Credentials,
    FileRules,
    IdentityKind,
    OutboundRequest,
    ParsedEvent,
    ProviderReceipt,
)
from heedful.channels.providers.meta import feed, message_files, replies
from heedful.channels.providers.meta.graph_webhook import as_list
from heedful.channels.providers.meta.platform import MessagingPlatform
from heedful.channels.registry import register

FACEBOOK = IdentityKind(
    key="facebook", label="Facebook", one_account_per_person=True,
    glyph='<path d="M9 15V9h2l.4-2.5H9V5c0-.7.3-1.2 1.3-1.2h1.2V1.6A15 15 0 0 0 9.7 1.5C7.9 1.5 6.6 2.6 '
          '6.6 4.7v1.8H4.6V9h2v6z" fill="currentColor"/>',
)
STANDBY_REASON = "standby: another app owns this Messenger thread (handover protocol)"
# A comment reply's photo: one, in a format the Graph photo upload takes, under Meta's 4 MB.
COMMENT_PHOTO = FileRules("A Facebook comment reply",
                          {"image/jpeg": 4 * MB, "image/png": 4 * MB, "image/gif": 4 * MB}, max_files=1)


class PageCredentials(Credentials):
    """The Page, the Meta app's secret, the webhook verify token and a Page access token."""

    page_id: str = ""
    app_secret: str = ""
    verify_token: str = ""
    page_access_token: str = ""


@register
class FacebookProvider(MessagingPlatform):
    key = "facebook"
    family = "meta"
    identity_kinds = (FACEBOOK,)
    max_text_length = 8000  # a comment; Messenger texts are checked in check_reply (2000)
    credentials = PageCredentials
    dm_prefix = "psid"
    object_type, account_key, account_label = "page", "page_id", "page"

    def parse_changes(self, entry: dict, account: str, parsed: ParsedEvent) -> None:
        parsed.ignored.extend(STANDBY_REASON for _ in as_list(entry.get("standby")))
        feed.parse_page_changes(as_list(entry.get("changes")), account, parsed)

    def check_reply(self, channel, payload: dict, text: str) -> None:
        replies.check(payload, text, dm_prefix=self.dm_prefix, platform="Messenger", limit=2000)

    def check_attachments(self, channel, payload: dict, files) -> None:
        replies.check_files(payload, files, dm_prefix=self.dm_prefix, rules=message_files.MESSENGER_FILES,
                            comment_files=COMMENT_PHOTO)

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        return replies.send(channel, request, dm_prefix=self.dm_prefix, comment_edge="comments",
                            account=channel.credential("page_id"), token=channel.credential("page_access_token"),
                            platform="Facebook", kind=self.identity_kind, comment_files=COMMENT_PHOTO)
