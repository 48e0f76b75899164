"""Priority score with its explanation, computed in the pipeline's route step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from heedful.channels.base import EngagementUpdate, ParsedEvent
from heedful.contacts.models import Contact, Identity
from heedful.conversations.models import Conversation, Label
from heedful.core.clock import now
from heedful.ingestion import pipeline
from heedful.ingestion.models import InboundEvent
from heedful.routing import priority
from heedful.routing.models import ConversationRouting
from tests.contacts.support import channel, ingest, message

pytestmark = pytest.mark.django_db


def test_factors_in_words_with_their_weights():
    at = now()
    reasons = priority.factors({"public": True, "followers": 12_400, "sentiment": -0.8, "repeat": 1,
                                "engagement": {"retweets": 40}, "posted_at": (at - timedelta(minutes=30)).isoformat()}, at)
    details = [r["detail"] for r in reasons]
    assert details == ["public", "12k followers", "40 retweets in the last hour", "angry", "second contact this week"]
    by_factor = {r["factor"]: r["weight"] for r in reasons}
    assert by_factor == {"visibility": 1.0, "reach": 2.0, "virality": 1.0, "sentiment": 2.0, "repeat_contact": 1.5}
    calm = priority.factors({"public": False, "sentiment": 0.1}, at)
    assert [(r["factor"], r["weight"], r["detail"]) for r in calm] == [
        ("visibility", 0.0, "private"), ("sentiment", 0.0, "positive"), ("repeat_contact", 0.0, "first contact this week")]


def test_weights_are_settings(settings):
    settings.HEEDFUL_PRIORITY_WEIGHTS = {"angry": 5.0}
    (visibility, sentiment, _) = priority.factors({"public": False, "sentiment": -0.9}, now())
    assert sentiment == {"factor": "sentiment", "weight": 5.0, "detail": "angry"}


def test_angry_public_tweet_with_reach_outranks_calm_private_email(api):
    twitter, email = channel("twitter"), channel("email")
    at = now()
    ingest(email, message("email", "calm@example.com", "Hello, could you tell me my order status? Thanks!",
                          sent_at=at - timedelta(minutes=5)))
    ingest(twitter, message("twitter", "777", "@brand this is the worst service ever, I am furious and disgusted",
                            username="loud", public=True, followers=50_000, sent_at=at))
    results = api.get("/api/v1/conversations?ordering=priority").json()["results"]
    tweet, mail = results
    assert tweet["channel"] == twitter.pk and mail["channel"] == email.pk
    assert tweet["priority_score"] > mail["priority_score"]
    factors = {r["factor"]: r for r in tweet["priority_reasons"]}
    assert factors["reach"]["detail"] == "50k followers" and factors["reach"]["weight"] == 2.0
    assert factors["sentiment"]["detail"] == "angry" and factors["visibility"]["detail"] == "public"
    assert {r["factor"]: r["detail"] for r in mail["priority_reasons"]}["visibility"] == "private"
    assert tweet["priority"] >= 2 and tweet["labels"] == [] and tweet["sla"] is None
    assert "score" not in tweet  # replaced by priority_score


def test_equal_scores_sort_oldest_first_and_labels_filter(api):
    email = channel("email")
    at = now()
    for n, minutes in enumerate((3, 9, 6)):
        ingest(email, message("email", f"c{n}@example.com", "Hello there, a question about invoices",
                              sent_at=at - timedelta(minutes=minutes)))
    listed = api.get("/api/v1/conversations?ordering=priority").json()["results"]
    created = [c["created_at"] for c in listed]
    assert created == sorted(created)
    assert len({c["priority_score"] for c in listed}) == 1
    label = Label.objects.create(name="Billing")
    label.conversations.add(listed[1]["id"])
    only = api.get("/api/v1/conversations?label=billing").json()
    assert [c["id"] for c in only["results"]] == [listed[1]["id"]] and only["results"][0]["labels"] == ["Billing"]


def test_unknown_filter_or_ordering_is_422(api):
    response = api.get("/api/v1/conversations?stauts=open")
    assert response.status_code == 422 and "stauts" in response.json()["detail"]
    assert api.get("/api/v1/conversations?ordering=size").status_code == 422
    assert api.get("/api/v1/conversations?ordering=priority&status=open").status_code == 200


def test_yesterdays_email_then_todays_tweet_is_repeat_contact_and_bypass(api):
    email, twitter = channel("email"), channel("twitter")
    contact = Contact.objects.create(name="Dana")
    Identity.objects.create(contact=contact, kind="email", handle="dana@example.com")
    Identity.objects.create(contact=contact, kind="twitter", handle="4242", username="dana")
    at = now()
    ingest(email, message("email", "dana@example.com", "My refund has not arrived", sent_at=at - timedelta(days=1)))
    ingest(twitter, message("twitter", "4242", "@brand still no refund, nobody answers my email", public=True,
                            username="dana", sent_at=at))
    tweet = Conversation.objects.get(channel=twitter)
    data = api.get(f"/api/v1/conversations/{tweet.pk}").json()
    reasons = {r["factor"]: r for r in data["priority_reasons"]}
    assert reasons["repeat_contact"]["detail"] == "second contact this week" and reasons["repeat_contact"]["weight"] > 0
    assert reasons["bypass"]["detail"] == "tried email first" and reasons["bypass"]["weight"] > 0
    first = api.get(f"/api/v1/conversations/{Conversation.objects.get(channel=email).pk}").json()
    assert {r["factor"]: r["detail"] for r in first["priority_reasons"]}["repeat_contact"] == "first contact this week"


def test_a_contact_from_more_than_a_week_ago_is_no_repeat(api):
    email = channel("email")
    at = now()
    ingest(email, message("email", "old@example.com", "first question", sent_at=at - timedelta(days=10)))
    ingest(email, message("email", "old@example.com", "another question", sent_at=at, thread="new"))
    newest = Conversation.objects.order_by("-created_at").first()
    assert ConversationRouting.objects.get(pk=newest.pk).inputs["repeat"] == 0


def test_route_step_reads_per_batch_not_per_message():
    """The route step's queries do not grow with the batch: 5 and 40 messages cost the same."""
    twitter = channel("twitter")
    ingest(twitter, message("twitter", "warm-up", "hello", public=True))

    def queries_for(count, prefix):
        msgs = [message("twitter", f"{prefix}-{i}", "this is bad, really bad service", public=True, followers=i * 1000)
                for i in range(count)]
        event = InboundEvent.objects.create(channel=twitter, provider="twitter", event_key=prefix, raw=b"{}")
        event = InboundEvent.objects.select_related("channel").get(pk=event.pk)
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:  # the pipeline's transaction
            pipeline.apply([event], {event.pk: ParsedEvent(messages=msgs)})
        return len(captured.captured_queries)

    assert queries_for(5, "a") == queries_for(40, "b")


def test_engagement_updates_rescore_the_conversation(api):
    twitter = channel("twitter")
    msg = message("twitter", "55", "@brand my flight was cancelled", public=True, followers=3_000, sent_at=now())
    ingest(twitter, msg)
    conversation = Conversation.objects.get()
    before = ConversationRouting.objects.get(pk=conversation.pk).score
    event = InboundEvent.objects.create(channel=twitter, provider="twitter", event_key="eng-1", raw=b"{}")
    event = InboundEvent.objects.select_related("channel").get(pk=event.pk)
    with transaction.atomic():
        pipeline.apply([event], {event.pk: ParsedEvent(engagements=[
            EngagementUpdate(msg.provider_message_id, {"retweets": 150, "likes": 90})])})
    data = api.get(f"/api/v1/conversations/{conversation.pk}").json()
    virality = [r for r in data["priority_reasons"] if r["factor"] == "virality"]
    assert virality and virality[0]["detail"] == "150 retweets, 90 likes in the last hour"
    assert data["priority_score"] > before


def test_conversation_page_shows_the_reasons_in_words(client, django_user_model):
    from heedful.accounts.models import Profile, Role

    person = django_user_model.objects.create_user("boss", "boss@example.com", "pw-long-enough-1")
    Profile.objects.create(user=person, role=Role.ADMIN)
    twitter = channel("twitter")
    ingest(twitter, message("twitter", "9", "@brand worst, angriest experience, I hate this", public=True,
                            followers=12_000, sent_at=now()))
    client.force_login(person)
    page = client.get(f"/conversations/{Conversation.objects.get().pk}/").content.decode()
    assert 'data-heedful="priority-reasons"' in page
    assert "public, 12k followers, angry" in page
