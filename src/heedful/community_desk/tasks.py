"""The periodic escalation sweep (Celery beat in production, the embedded sweeper otherwise)."""

from celery import shared_task

from heedful.community_desk import bridge
from heedful.core import jobs


@shared_task(name="heedful.community_desk.escalate_due")
@jobs.job("heedful.community_desk.escalate_due")
def escalate_due() -> int:
    return bridge.escalate_due()
