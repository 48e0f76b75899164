"""A long thread's first render reads one keyset page: a bounded number of queries, no count of
the thread, no query that reads (or writes) every message of it."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from heedful.conversations.models import Delivery, Direction, Message
from heedful.web import timeline
from tests.web.conftest import login

THREAD = 2000
MESSAGE_FROM = re.compile(r'^\s*(SELECT|UPDATE|DELETE).*?\b(FROM|UPDATE)\s+"conversations_message"', re.S)


@pytest.fixture
def long_thread(conversation_a):
    start = conversation_a.messages.get().sent_at + timedelta(seconds=1)
    Message.objects.bulk_create([
        Message(conversation=conversation_a, channel_id=conversation_a.channel_id, direction=Direction.IN,
                author_name="Carla", text=f"line {i:04d}", display_text=f"line {i:04d}",
                sent_at=start + timedelta(seconds=i))
        for i in range(THREAD)
    ], batch_size=500)
    return conversation_a


def _render(client, url):
    built = []

    def count(sender, instance, **kwargs):
        built.append(instance)

    post_init.connect(count, sender=Message)
    try:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
    finally:
        post_init.disconnect(count, sender=Message)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in ctx.captured_queries], built


def _on_messages(queries):
    """Queries whose own table (not a subquery's) is the message table."""
    def own(q):
        sub = q.find("(SELECT")
        return q.index('"conversations_message"') < (sub if sub >= 0 else len(q))

    return [q for q in queries if MESSAGE_FROM.match(q) and own(q)]


@pytest.mark.parametrize("path", ["/conversations/{pk}/", "/conversations/{pk}/older/?before={cursor}"])
def test_first_render_of_a_long_thread_is_bounded(client, agent_a, long_thread, path):
    login(client, agent_a)
    cursor = timeline.thread_page(long_thread).older
    html, queries, built = _render(client, path.format(pk=long_thread.pk, cursor=cursor))
    shown = re.findall(r"line (\d{4})", html)
    assert len(shown) == timeline.PAGE_SIZE and "older/?before=" in html
    assert len(queries) < 45, len(queries)
    assert len(built) <= timeline.PAGE_SIZE + 5, len(built)  # one page of rows, not the thread
    for sql in queries:
        assert not re.search(r'COUNT\(.{0,40}"conversations_message"', sql, re.S), sql
    for sql in _on_messages(queries):
        # a page (LIMIT), given ids, or the page's time window on the (conversation, sent_at) index
        bounded = re.search(r"\bLIMIT \d+", sql) or '"conversations_message"."id" IN' in sql \
            or re.search(r'"conversations_message"\."id" = ', sql) \
            or re.search(r'"conversations_message"\."sent_at" >= ', sql)
        assert bounded, sql


def test_reading_marks_the_page_on_screen_not_the_whole_thread(client, agent_a, long_thread):
    login(client, agent_a)
    client.get(f"/conversations/{long_thread.pk}/")
    unread = Message.objects.filter(conversation=long_thread, direction=Direction.IN,
                                    delivery_status=Delivery.RECEIVED)
    read = Message.objects.filter(conversation=long_thread, delivery_status=Delivery.READ)
    assert read.count() == timeline.PAGE_SIZE
    assert unread.count() == THREAD + 1 - timeline.PAGE_SIZE
    newest = Message.objects.filter(conversation=long_thread).order_by("-sent_at", "-id").first()
    assert newest.delivery_status == Delivery.READ
