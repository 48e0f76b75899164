"""Write audit entries. Call inside the transaction of the action being audited, so an action
that rolls back leaves no entry and a committed one always has its entry."""

from __future__ import annotations

from heedful.audit.models import AuditEntry


def record(actor, action: str, object_type: str, object_id, **detail) -> AuditEntry:
    """`detail` must hold ids, counts and names of things, never a customer's personal data."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user, actor_label=user.get_username() if user else "", action=action,
        object_type=object_type, object_id=str(object_id), detail=detail,
    )
