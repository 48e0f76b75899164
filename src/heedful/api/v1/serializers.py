"""Plain dict serializers: the API's JSON shapes, in one place."""

from __future__ import annotations


def iso(value):
    return value.isoformat() if value else None


def channel(c) -> dict:
    data = {"id": c.pk, "provider": c.provider, "name": c.name, "settings": c.settings,
            "team": c.team_id, "status": c.status, "status_detail": c.status_detail,
            "webhook_path": f"/hooks/{_family(c.provider)}/{c.pk}"}
    embed = _embed(c)
    if embed is not None:
        data["embed"] = embed
    return data


def _family(provider: str) -> str:
    from heedful.channels import registry

    return registry.get(provider).family


def _embed(c) -> str | None:
    """The provider's snippet for the brand's site (web chat's script tag), if it has one."""
    from django.conf import settings

    from heedful.channels import registry

    return registry.get(c.provider).embed_snippet(c, settings.HEEDFUL_BASE_URL)


def conversation(c) -> dict:
    return {"id": c.pk, "channel": c.channel_id, "contact": c.contact_id, "status": c.status,
            "priority": c.priority, "public": c.public, "assignee": c.assignee_id,
            "team": c.team_id, "subject": c.subject, "preview": c.preview, "sentiment": c.sentiment,
            "messages_count": c.messages_count, "created_at": iso(c.created_at),
            "last_activity_at": iso(c.last_activity_at), "resolved_at": iso(c.resolved_at),
            "bypass": _bypass(c), "continued_from": c.continued_from_id, **_routing(c)}


def _routing(c) -> dict:
    """priority_score, priority_reasons, labels, sla (routing's explanation of the order)."""
    from heedful.routing import explain

    return explain.fields(c)


def _bypass(c):
    """{"from_conversation", "from_channel"} or None; a list may preload `c.bypass_info`."""
    if hasattr(c, "bypass_info"):
        return c.bypass_info
    from heedful.analytics import bypass

    return bypass.of(c.pk)


def attachment(a) -> dict:
    return {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size,
            # stored files are served through the permission-checked route, never straight from media
            "url": f"/attachments/{a.pk}/" if a.file else a.remote_url, "skipped_reason": a.skipped_reason}


def message(m, *, include_text: bool = True) -> dict:
    return {"id": m.pk, "conversation": m.conversation_id, "direction": m.direction,
            "author": m.author_name, "author_user": m.author_user_id,
            "author_identity": m.author_identity_id,
            "subject": m.subject if include_text else "",
            "text": m.text if include_text else "", "display_text": m.display_text if include_text else "",
            "html": m.html if include_text else "", "provider_message_id": m.provider_message_id,
            "reply_to_provider_id": m.reply_to_provider_id, "public": m.public, "automated": m.automated,
            "sent_at": iso(m.sent_at), "delivery_status": m.delivery_status,
            "delivery_error": m.delivery_error, "sentiment": m.sentiment,
            "attachments": [attachment(a) for a in m.attachments.all()]}


def note(n) -> dict:
    return {"id": n.pk, "conversation": n.conversation_id, "author": n.author_id, "text": n.text,
            "created_at": iso(n.created_at)}


def identity(i) -> dict:
    return {"id": i.pk, "kind": i.kind, "handle": i.handle, "username": i.username,
            "display_name": i.display_name, "followers_count": i.followers_count, "verified": i.verified}


def contact(c) -> dict:
    return {"id": c.pk, "name": c.name, "attributes": c.attributes, "followers_count": c.followers_count,
            "verified": c.verified, "created_at": iso(c.created_at),
            "identities": [identity(i) for i in c.identities.all()]}


def inbound_event(e) -> dict:
    return {"id": e.pk, "channel": e.channel_id, "provider": e.provider, "event_key": e.event_key,
            "status": e.status, "attempts": e.attempts, "last_error": e.last_error,
            "received_at": iso(e.received_at), "next_attempt_at": iso(e.next_attempt_at),
            "processed_at": iso(e.processed_at), "result": e.result, "size": len(e.raw or b"")}
