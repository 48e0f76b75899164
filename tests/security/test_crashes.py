"""Nothing acknowledged is lost, nothing is done twice: crashes in production mode.

The web (gunicorn, group commit) and the worker (Celery with its beat) run as real processes
against real PostgreSQL and a Redis of their own, while a load of signed Twitter webhooks is
posted over HTTP. A webhook that got no 2xx is posted again, as Twitter redelivers. After each
crash every acknowledged webhook must end processed exactly once, with the text that was sent.

- the web process is SIGKILLed mid-batch, then started again;
- the worker is SIGKILLed mid-batch, then started again;
- PostgreSQL (a private cluster, never the shared server) is stopped and started during the
  replay, and neither the web nor the worker is restarted by hand;
- a reply whose worker dies while the brand is receiving it is sent again with the same
  idempotency key, and the brand, which honours the key, delivers it once.
"""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection

from heedful.conversations.models import Message
from heedful.devtools.fakeserver import FakeProviderServer, Reply
from heedful.ingestion.models import EventStatus, InboundEvent
from heedful.outbound.models import OutboundMessage
from tests.security import processes
from tests.security.signed_load import BRAND, SignedTweets

pytestmark = [pytest.mark.slow]

TOTAL = 600  # webhooks per run: about 2-4 s of posting on 2 cores, so a kill lands mid-batch


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("production-mode crash tests run on PostgreSQL")


@pytest.fixture
def redis(tmp_path, postgresql):
    server = processes.PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def _stored(channel) -> dict[str, str]:
    rows = Message.objects.filter(channel=channel, direction="in").values_list("provider_message_id", "text")
    found: dict[str, str] = {}
    for pid, text in rows:
        assert pid not in found, f"message {pid} stored twice"
        found[pid] = text
    return found


def _drained(channel, total: int) -> bool:
    events = InboundEvent.objects.filter(channel=channel)
    return events.count() == total and not events.exclude(status=EventStatus.DONE).exists() \
        and Message.objects.filter(channel=channel, direction="in").count() >= total


def _ready(port: int, channel) -> bool:
    return processes.warmed(f"http://127.0.0.1:{port}/hooks/twitter/{channel.pk}?crc_token=ping")


@pytest.mark.parametrize("victim", ["web", "worker"])
def test_a_process_killed_mid_batch_loses_no_acknowledged_webhook(victim, tmp_path, redis, make_channel):
    channel = make_channel("twitter", dict(BRAND), name="@heedfulhelp")
    port = processes.free_port()
    env = processes.production_env(processes.database_url(connection.settings_dict), redis.url)
    services = {"web": processes.web(env, tmp_path, port).start(), "worker": processes.worker(env, tmp_path).start()}
    load = SignedTweets(f"http://127.0.0.1:{port}/hooks/twitter/{channel.pk}", TOTAL)
    try:
        assert processes.wait_for(lambda: _ready(port, channel), 90), services["web"].tail()
        load.start()
        if victim == "web":  # webhooks are arriving and being written in groups
            assert processes.wait_for(lambda: load.acked >= TOTAL // 3, 60), load.summary()
        else:  # the worker is inside its batches
            assert processes.wait_for(lambda: _stored(channel) and len(_stored(channel)) >= TOTAL // 5, 60, 0.05), \
                services["worker"].tail()
        acked_at_kill, processed_at_kill = load.acked, len(_stored(channel))
        services[victim].kill()
        time.sleep(1.0)  # webhooks keep coming meanwhile (and fail, for the web)
        services[victim].start()
        assert load.join(150), "the load did not finish"
        drained = processes.wait_for(lambda: _drained(channel, TOTAL), 120, 0.5)
        print(f"\n{victim} SIGKILLed with {acked_at_kill} webhooks acknowledged and {processed_at_kill} processed; "
              f"{load.summary()}; {InboundEvent.objects.filter(channel=channel, status='done').count()} events done")
        assert drained, f"events left unprocessed:\n{services['worker'].tail()}"
    finally:
        for service in services.values():
            service.stop()
    assert processed_at_kill < TOTAL, "processing finished before the kill: raise TOTAL"
    assert not load.unanswered
    assert _stored(channel) == load.texts  # every acknowledged webhook once, with what was sent
    assert InboundEvent.objects.filter(channel=channel).count() == TOTAL


def _private_rows(url: str, channel_id: int) -> tuple[dict[str, str], dict[str, int]]:
    with psycopg.connect(url, connect_timeout=3) as db:
        messages = db.execute(f"SELECT provider_message_id, text FROM {Message._meta.db_table} "
                              "WHERE channel_id = %s AND direction = 'in'", [channel_id]).fetchall()
        statuses = dict(db.execute(f"SELECT status, count(*) FROM {InboundEvent._meta.db_table} "
                                   "WHERE channel_id = %s GROUP BY status", [channel_id]).fetchall())
    found: dict[str, str] = {}
    for pid, text in messages:
        assert pid not in found, f"message {pid} stored twice"
        found[pid] = text
    return found, statuses


def test_a_postgres_restart_during_a_replay_loses_nothing_without_a_hand_restart(request, tmp_path, redis,
                                                                                 make_channel):
    channel = make_channel("twitter", dict(BRAND), name="@heedfulhelp")
    server = processes.PrivatePostgres()
    request.addfinalizer(server.remove)
    server.init()
    server.start()
    server.clone(connection.settings_dict, "heedful")  # the schema, and the channel just made
    database = server.url("heedful")
    port = processes.free_port()
    env = processes.production_env(database, redis.url)
    web, worker = processes.web(env, tmp_path, port).start(), processes.worker(env, tmp_path).start()
    load = SignedTweets(f"http://127.0.0.1:{port}/hooks/twitter/{channel.pk}", TOTAL)
    try:
        assert processes.wait_for(lambda: _ready(port, channel), 90), web.tail()
        load.start()
        assert processes.wait_for(lambda: load.acked >= TOTAL // 3, 60), load.summary()
        acked_at_stop = load.acked
        server.stop()
        time.sleep(3.0)  # the replay goes on against a database that is down
        server.start()
        assert load.join(150), "the replay did not finish"

        def drained():
            try:
                found, statuses = _private_rows(database, channel.pk)
            except psycopg.OperationalError:
                return False
            return statuses == {"done": TOTAL} and len(found) == TOTAL

        done = processes.wait_for(drained, 120, 0.5)
        found, statuses = _private_rows(database, channel.pk)
        print(f"\nPostgreSQL stopped (-m fast) for 3 s with {acked_at_stop} webhooks acknowledged; {load.summary()}; "
              f"events by status {statuses}; web alive: {web.alive()}, worker alive: {worker.alive()}")
        assert web.alive() and worker.alive(), "a process exited when PostgreSQL restarted"
        assert done, f"events left unprocessed:\n{worker.tail()}"
    finally:
        web.stop()
        worker.stop()
    assert not load.unanswered
    assert found == load.texts


class IdempotentBrand(FakeProviderServer):
    """The brand's endpoint for an API channel: it honours Idempotency-Key (a repeat is answered
    with the first answer and delivered to nobody) and holds its very first request for a while,
    so a test can crash the sender with that request in flight."""

    HOLD = 4.0

    def __init__(self, **kwargs):
        self.delivered: dict[str, dict] = {}  # idempotency key -> the body the customer got
        self.keys: list[str] = []  # every request's key, repeats included
        super().__init__(**kwargs)
        self._server.handle_error = lambda request, address: None  # the crashed sender hung up: expected

    def setup_routes(self):
        self.route("POST", "/out", self._out)

    def _out(self, request, match):
        key = request.headers.get("idempotency-key", "")
        self.keys.append(key)
        if key and key not in self.delivered:
            self.delivered[key] = request.json()
            if len(self.delivered) == 1:
                time.sleep(self.HOLD)
        return Reply(200, {"id": "brand-" + key[:12]})


def test_a_reply_survives_a_crash_between_queued_and_sent_and_is_delivered_once(tmp_path, redis, make_channel,
                                                                                 api, settings):
    settings.HEEDFUL_JOBS = "celery"
    env = processes.production_env(processes.database_url(connection.settings_dict), redis.url,
                                   HEEDFUL_OUTBOUND_LEASE_SECONDS="3")
    with IdempotentBrand() as brand, processes.celery_pointed_at(redis.url):
        channel = make_channel("api", {"inbound_token": "t", "outbound_url": brand.base_url + "/out",
                                       "signing_secret": "s"})
        worker = processes.worker(env, tmp_path).start()
        try:
            inbound = api.post(f"/hooks/api/{channel.pk}", {"id": "m-1", "from": {"id": "u-1"}, "text": "Hello?"},
                               content_type="application/json", HTTP_AUTHORIZATION="Bearer t")
            assert inbound.status_code == 200
            assert processes.wait_for(lambda: Message.objects.filter(provider_message_id="m-1").exists(), 60), \
                worker.tail()
            conversation = Message.objects.get(provider_message_id="m-1").conversation_id
            first = api.post(f"/api/v1/conversations/{conversation}/messages", {"text": "Sent while we crash"},
                             content_type="application/json")
            assert first.status_code == 201
            assert processes.wait_for(lambda: brand.keys, 30), worker.tail()
            worker.kill()  # the brand holds the request: sent, but its answer is never recorded
            second = api.post(f"/api/v1/conversations/{conversation}/messages", {"text": "Queued while down"},
                              content_type="application/json")
            assert second.status_code == 201  # queued, no worker to claim it
            worker.start()
            sent = processes.wait_for(
                lambda: OutboundMessage.objects.filter(status="sent").count() == 2, 60, 0.5)
            outbound = {o.message.text: o for o in OutboundMessage.objects.select_related("message")}
            print(f"\nreply crash: brand saw {len(brand.keys)} requests for {len(brand.delivered)} deliveries; "
                  f"attempts {sorted((t, o.attempts, o.status) for t, o in outbound.items())}")
            assert sent, worker.tail()
        finally:
            worker.stop()
    crashed, queued = outbound["Sent while we crash"], outbound["Queued while down"]
    assert brand.keys.count(crashed.idempotency_key) == 2  # tried again after the crash, same key
    assert crashed.attempts == 2 and queued.attempts == 1
    assert sorted(brand.delivered) == sorted([crashed.idempotency_key, queued.idempotency_key])
    assert [body["text"] for body in brand.delivered.values()] == ["Sent while we crash", "Queued while down"]
    assert set(Message.objects.filter(direction="out").values_list("delivery_status", flat=True)) == {"sent"}
