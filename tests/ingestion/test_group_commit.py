"""Webhooks written by the group-commit writer over real HTTP: every body stored once, all processed."""

import json
from concurrent.futures import ThreadPoolExecutor

import httpx

from heedful.conversations.models import Message
from heedful.ingestion.models import InboundEvent


def test_concurrent_webhooks_are_stored_once_and_processed(live_server, make_channel, settings):
    settings.HEEDFUL_GROUP_COMMIT = True
    channel = make_channel("api", {"inbound_token": "t"})
    url = f"{live_server.url}/hooks/api/{channel.pk}"
    bodies = [json.dumps({"id": f"m-{i % 60}", "from": {"id": f"u-{i % 7}"}, "text": f"hello {i % 60}"})
              for i in range(90)]  # 30 replays among 90 posts

    with httpx.Client(headers={"Authorization": "Bearer t", "Content-Type": "application/json"}) as http, \
            ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda body: http.post(url, content=body), bodies))

    assert [r.status_code for r in responses] == [200] * 90
    assert sum(not r.json()["duplicate"] for r in responses) == 60
    assert InboundEvent.objects.count() == 60
    assert Message.objects.count() == 60
    event_ids = {r.json()["event_id"] for r in responses}
    assert event_ids == set(InboundEvent.objects.values_list("pk", flat=True))
