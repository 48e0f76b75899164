"""What Facebook Pages and Instagram accounts share: the entry loop and the DM thread keys."""

from __future__ import annotations

from heedful.channels.base import BaseProvider, Handle, ParsedEvent, WebhookRequest
from heedful.channels.providers.meta import data_deletion
from heedful.channels.providers.meta.graph_webhook import (
    GraphWebhook,
    as_list,
    as_str,
    entry_mismatch,
    load_entries,
)
from heedful.channels.providers.meta.messenger import Inbox, parse_messaging


class MessagingPlatform(GraphWebhook, BaseProvider):
    """Subclasses name their webhook object, account credential and DM prefix, and read the
    `changes` of an entry (page feed, Instagram comments) in `parse_changes`."""

    object_type: str  # the webhook's "object": "page" or "instagram"
    account_key: str  # credential holding the account id the entries must be addressed to
    account_label: str  # how an ignored entry for another account is described
    dm_prefix: str  # DM thread keys: "<prefix>:<customer id>"
    can_go_private = True  # a public comment moves to a DM (a private reply)

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        entries, ignored = load_entries(raw, self.object_type)
        parsed = ParsedEvent(ignored=ignored)
        account = channel.credential(self.account_key)
        inbox = Inbox(self.key, self.dm_prefix, channel.name)
        for entry in entries:
            mismatch = entry_mismatch(entry, account, self.account_label)
            if mismatch:
                parsed.ignored.append(mismatch)
                continue
            parse_messaging(as_list(entry.get("messaging")), inbox, parsed)
            self.parse_changes(entry, account or as_str(entry.get("id")), parsed)
        return parsed

    def parse_changes(self, entry: dict, account: str, parsed: ParsedEvent) -> None:
        raise NotImplementedError

    def private_thread_key(self, channel, payload: dict) -> str:
        return f"{self.dm_prefix}:{payload['to']}"

    def deletion_request(self, channel, request: WebhookRequest) -> Handle:
        """Meta's data deletion callback: the app-scoped user named by the signed_request."""
        signed = request.form.get("signed_request") or ""
        return Handle(self.identity_kind, data_deletion.user_id(signed, channel.credential("app_secret")))
