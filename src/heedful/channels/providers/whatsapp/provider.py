"""WhatsApp Cloud API: customer messages, delivery statuses, replies and templates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from heedful.channels.base import (
    AttachmentRefused,
    BaseProvider,
    Credentials,
    Handle,
    IdentityKind,
    InboundMessage,
    OutboundRequest,
    ParsedEvent,
    PermanentSendError,
    ProviderReceipt,
    StatusUpdate,
)
from heedful.channels.providers.meta import graph_client
from heedful.channels.providers.meta.graph_webhook import (
    GraphWebhook,
    as_dict,
    as_list,
    as_str,
    from_epoch,
    from_iso,
    load_entries,
)
from heedful.channels.providers.whatsapp import media, templates
from heedful.channels.providers.whatsapp.messages import IGNORED_TYPES, describe
from heedful.channels.registry import register
from heedful.core.errors import ValidationError

SERVICE_WINDOW = timedelta(hours=24)
STATUSES = {"sent", "delivered", "read", "failed"}
_NOTICE_FIELDS = {
    "calls": "WhatsApp calling event (calls are not handled)",
    "user_preferences": "marketing message preference change (not a conversation)",
    "history": "chat history sync from the WhatsApp Business app",
    "smb_app_state_sync": "contact sync from the WhatsApp Business app",
}


WHATSAPP = IdentityKind(
    key="whatsapp", label="WhatsApp", handle_format="phone",  # a wa_id is the phone number
    glyph='<path d="M8 1.8a6.2 6.2 0 0 0-5.3 9.4L2 14.2l3-.8A6.2 6.2 0 1 0 8 1.8z" fill="none" '
          'stroke="currentColor" stroke-width="1.4"/><path d="M6 5.3c.3-.3.7-.2.8.1l.5 1.2-.6.7a4 4 0 0 0 '
          '2 2l.7-.6 1.2.5c.3.1.4.5.1.8-.9 1-2.6.5-3.9-.8S5 6.2 6 5.3z" fill="currentColor"/>',
)


class WhatsAppCredentials(Credentials):
    """From the WhatsApp Business app in the Meta console."""

    phone_number_id: str = ""
    app_secret: str = ""
    verify_token: str = ""
    access_token: str = ""
    waba_id: str = ""  # the WhatsApp Business Account id: where the message templates are listed


@register
class WhatsAppProvider(GraphWebhook, BaseProvider):
    key = "whatsapp"
    family = "meta"
    identity_kinds = (WHATSAPP,)
    max_text_length = 4096
    credentials = WhatsAppCredentials
    has_templates = True

    # -- inbound ---------------------------------------------------------------------------
    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        entries, ignored = load_entries(raw, "whatsapp_business_account")
        parsed = ParsedEvent(ignored=ignored)
        number_id = channel.credential("phone_number_id")
        for entry in entries:
            for change in as_list(entry.get("changes")):
                change = as_dict(change)
                field, value = as_str(change.get("field")), as_dict(change.get("value"))
                own = as_str(as_dict(value.get("metadata")).get("phone_number_id"))
                if field in ("messages", "smb_message_echoes") and number_id and own and own != number_id:
                    # One app serves every number of the business account: not ours to take in.
                    parsed.ignored.append(f"event for phone number id {own}, not this channel's")
                elif field == "messages":
                    _customer_messages(value, channel, parsed)
                elif field == "smb_message_echoes":
                    _echoes(value, channel, parsed)
                else:
                    parsed.ignored.append(_NOTICE_FIELDS.get(field) or
                                          f"{field[:40]}: account or template notice, not a conversation")
        return parsed

    # -- outbound --------------------------------------------------------------------------
    def check_reply(self, channel, payload: dict, text: str) -> None:
        """Refuse before queueing what WhatsApp would refuse: long texts, a closed window."""
        if payload.get("template"):
            return
        if len(text) > self.max_text_length:
            raise ValidationError(f"a WhatsApp message is at most {self.max_text_length} characters")
        last = from_iso(payload.get("last_inbound_at"))
        if last is None or datetime.now(UTC) - last > SERVICE_WINDOW:
            when = f"on {last:%Y-%m-%d %H:%M} UTC" if last else "never on this conversation"
            raise ValidationError(
                f"the 24-hour window closed: the customer last wrote {when}. Outside WhatsApp's "
                "customer service window only a template message may be sent, until the customer "
                "writes again")

    def needs_template(self, channel, payload: dict) -> bool:
        last = from_iso(payload.get("last_inbound_at"))
        return last is None or datetime.now(UTC) - last > SERVICE_WINDOW

    def message_templates(self, channel) -> list[dict]:
        return templates.fetch(channel)

    def check_template(self, channel, template: dict, approved: list[dict]) -> tuple[dict, str]:
        return templates.check(template, approved)

    def check_attachments(self, channel, payload: dict, files) -> None:
        if files and payload.get("template"):
            raise AttachmentRefused("a WhatsApp template message is sent without files")
        media.FILES.check(files)

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        payload = request.payload
        to = re.sub(r"\D", "", str(payload.get("to") or ""))
        if not to:
            raise PermanentSendError("no WhatsApp number to send to")
        body: dict = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        template = payload.get("template")
        if template:
            body.update(type="template", template=_template(template, channel.settings or {}))
        elif request.attachments:
            return media.send(channel, request, body)
        elif request.text:
            body.update(type="text", text={"body": request.text, "preview_url": False})
            quoted = str(payload.get("reply_to_id") or "")
            if quoted.startswith("wamid.") and (channel.settings or {}).get("quote_replies", True):
                body["context"] = {"message_id": quoted}
        else:
            raise PermanentSendError("only text and template messages are supported on WhatsApp")
        number = graph_client.node(channel.credential("phone_number_id"), "phone number id")
        answer = graph_client.post(channel, f"{number}/messages", body,
                                   token=channel.credential("access_token"),
                                   idempotency_key=request.idempotency_key)
        sent = as_dict((as_list(answer.get("messages")) or [{}])[0])
        return ProviderReceipt(as_str(sent.get("id")), status="sent", raw=answer)


def _customer_messages(value: dict, channel, parsed: ParsedEvent) -> None:
    names = {as_str(c.get("wa_id")): as_str(as_dict(c.get("profile")).get("name"))
             for c in map(as_dict, as_list(value.get("contacts")))}
    errors = as_list(value.get("errors"))
    for message in map(as_dict, as_list(value.get("messages"))):
        result = _inbound(message, names, errors)
        if isinstance(result, str):
            parsed.ignored.append(result)
        else:
            parsed.messages.append(result)
    for status in map(as_dict, as_list(value.get("statuses"))):
        _status(status, parsed)
    if errors and not value.get("messages") and not value.get("statuses"):
        parsed.ignored.append("error notice from WhatsApp without a message")


def _inbound(message: dict, names: dict[str, str], errors: list) -> InboundMessage | str:
    wa_id, mid = as_str(message.get("from")), as_str(message.get("id"))
    kind = as_str(message.get("type"))
    if not wa_id.isdigit() or not mid:
        return "message without a valid sender number or message id"
    if kind in IGNORED_TYPES:
        return IGNORED_TYPES[kind]
    content = describe(message, errors)
    context = as_dict(message.get("context"))
    metadata = {"type": kind, **content.metadata}
    if context.get("forwarded") or context.get("frequently_forwarded"):
        metadata["forwarded"] = "many times" if context.get("frequently_forwarded") else "once"
    if as_dict(message.get("referral")):
        metadata["referral"] = {k: as_str(v)[:300] for k, v in as_dict(message["referral"]).items()}
    quoted = as_str(context.get("id"))
    return InboundMessage(
        provider_message_id=mid,
        sender=Handle("whatsapp", f"+{wa_id}", display_name=names.get(wa_id, "")),
        text=content.text, sent_at=from_epoch(message.get("timestamp")), thread_key=f"wa:{wa_id}",
        reply_to_ids=([quoted] if quoted else []) + content.reply_to,
        attachments=content.attachments, metadata=metadata, automated=content.automated,
    )


def _echoes(value: dict, channel, parsed: ParsedEvent) -> None:
    """Messages the business sent from the WhatsApp Business app on the same number."""
    for echo in map(as_dict, as_list(value.get("message_echoes"))):
        to, mid, kind = as_str(echo.get("to")), as_str(echo.get("id")), as_str(echo.get("type"))
        if kind in IGNORED_TYPES:
            parsed.ignored.append("the business deleted a message" if kind == "revoke" else IGNORED_TYPES[kind])
            continue
        if not to.isdigit() or not mid:
            parsed.ignored.append("business echo without a valid customer number or message id")
            continue
        content = describe(echo, [])
        parsed.messages.append(InboundMessage(
            provider_message_id=mid, direction="out",
            sender=Handle("whatsapp", f"+{as_str(echo.get('from'))}", display_name=channel.name),
            recipient=Handle("whatsapp", f"+{to}"), text=content.text,
            sent_at=from_epoch(echo.get("timestamp")), thread_key=f"wa:{to}",
            reply_to_ids=content.reply_to, attachments=content.attachments,
            metadata={"type": kind, **content.metadata},
        ))


def _status(status: dict, parsed: ParsedEvent) -> None:
    name, mid = as_str(status.get("status")), as_str(status.get("id"))
    if name not in STATUSES or not mid:
        parsed.ignored.append(f"message status {name[:20]!r} is not tracked")
        return
    error = as_dict((as_list(status.get("errors")) or [{}])[0])
    detail = as_str(as_dict(error.get("error_data")).get("details")) or as_str(error.get("message"))
    text = " - ".join(p for p in (as_str(error.get("title")), detail) if p)
    if text and as_str(error.get("code")):
        text = f"{text} ({as_str(error.get('code'))})"
    parsed.statuses.append(StatusUpdate(provider_message_id=mid, status=name, error=text,
                                        at=from_epoch(status.get("timestamp"))))


def _template(template, settings: dict) -> dict:
    """A template by name (default language from settings) or as {name, language, components}."""
    default_language = str(settings.get("template_language") or "en_US")
    if isinstance(template, str):
        return {"name": template, "language": {"code": default_language}}
    if not isinstance(template, dict) or not template.get("name"):
        raise PermanentSendError("a template needs a name")
    body = {"name": str(template["name"]),
            "language": {"code": str(template.get("language") or default_language)}}
    if template.get("components"):
        body["components"] = template["components"]
    return body

