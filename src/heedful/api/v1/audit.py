"""The audit log (admins only): merges, unmerges, exports, erasures, role changes, link
decisions and supervisors' cross-team contact reads."""

from __future__ import annotations

from ninja import Router

from heedful.accounts.access import can_read_audit
from heedful.api.v1 import serializers
from heedful.api.v1.errors import answers
from heedful.api.v1.pagination import paginate
from heedful.audit.models import AuditEntry
from heedful.core.errors import PermissionDenied

router = Router(tags=["audit"])


def _entry(e) -> dict:
    return {"id": e.pk, "at": serializers.iso(e.at), "actor": e.actor_id, "actor_name": e.actor_label,
            "action": e.action, "object_type": e.object_type, "object_id": e.object_id, "detail": e.detail}


@router.get("/audit")
@answers(403)
def list_audit(request, action: str = "", object_type: str = "", object_id: str = "",
               actor: int | None = None):
    if not can_read_audit(request.auth):
        raise PermissionDenied("only admins read the audit log")
    qs = AuditEntry.objects.order_by("-at", "-pk")
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor is not None:
        qs = qs.filter(actor_id=actor)
    return paginate(request, qs, _entry)
