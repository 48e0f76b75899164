"""Routing jobs (Celery tasks in production, in-process in embedded mode, inline in tests)."""

from celery import shared_task

from heedful.core import jobs
from heedful.routing import assignment, automation, rescore, sweep, virality, webhooks


@shared_task(name="heedful.routing.assign")
@jobs.job("heedful.routing.assign")
def assign(conversation_ids: list[int]) -> int:
    return len([d for d in assignment.assign_conversations(conversation_ids) if d.agent_id])


@shared_task(name="heedful.routing.assign_waiting")
@jobs.job("heedful.routing.assign_waiting")
def assign_waiting() -> int:
    return assignment.assign_waiting()


@shared_task(name="heedful.routing.reassign_from")
@jobs.job("heedful.routing.reassign_from")
def reassign_from(user_id: int) -> int:
    return assignment.reassign_from(user_id)


@shared_task(name="heedful.routing.automation")
@jobs.job("heedful.routing.automation")
def run_automation(event: str, payload: dict) -> int:
    return len(automation.run_rules(event, payload))


@shared_task(name="heedful.routing.rescore")
@jobs.job("heedful.routing.rescore")
def rescore_conversation(conversation_id: int):
    return rescore.rescore(conversation_id)


@shared_task(name="heedful.routing.deliver_webhook")
@jobs.job("heedful.routing.deliver_webhook")
def deliver_webhook(call_id: int) -> str:
    return webhooks.deliver(call_id)


@shared_task(name="heedful.routing.sweep")
@jobs.job("heedful.routing.sweep")
def routing_sweep() -> dict:
    """SLA time passing, idle agents, due webhook retries, negative-mention spikes."""
    result = sweep.sla_sweep()
    result["away"] = sweep.idle_to_away()
    for call_id in webhooks.due():
        jobs.enqueue_now("heedful.routing.deliver_webhook", call_id)
    result["virality"] = len(virality.negative_mentions_alerts())
    return result
