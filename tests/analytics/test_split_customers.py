"""Customer-history facts stay true when one customer turns out to be two: after an unmerge or an
unlinked handle, the bypass flag, the lost first-contact resolution and the repeat contact that
held only because the two were one person are taken back (and come back with a new merge)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from heedful.contacts.models import Contact, Identity
from heedful.conversations.models import Conversation
from heedful.core.clock import now
from tests.contacts.support import channel, ingest, message

pytestmark = pytest.mark.django_db
SINCE = "?since=" + (now() - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")


def reports(api) -> dict:
    def rows(name):
        return {r.get("channel", f"{r.get('from_channel')}->{r.get('to_channel')}"): r
                for r in api.get(f"/api/v1/reports/{name}{SINCE}").json()["rows"]}
    return {"resolution": rows("resolution"), "repeat": rows("repeat-contacts"), "bypass": rows("channel-bypass")}


@pytest.fixture
def desk(api):
    """Ann's email, resolved; a little later a tweet from an account nobody has linked yet."""
    email, twitter = channel("email"), channel("twitter")
    ingest(email, message("email", "ann@example.com", "My refund never came", name="Ann",
                          sent_at=now() - timedelta(hours=3)))
    mail = Conversation.objects.get(channel=email)
    assert api.post(f"/api/v1/conversations/{mail.pk}/resolve").status_code == 200
    return email, twitter, mail


def bypass_of(api, conversation) -> dict | None:
    return api.get(f"/api/v1/conversations/{conversation.pk}").json()["bypass"]


def assert_one_customer(api, mail, tweet):
    assert bypass_of(api, tweet) == {"from_conversation": mail.pk, "from_channel": "email"}
    got = reports(api)
    assert got["resolution"]["email"]["fcr_rate"] == 0.0
    assert got["repeat"]["twitter"]["repeat_72h"] == 1
    assert got["bypass"]["email->twitter"]["customers"] == 1


def assert_two_customers(api, mail, tweet):
    assert bypass_of(api, tweet) is None
    got = reports(api)
    assert got["resolution"]["email"]["fcr_rate"] == 1.0
    assert got["repeat"]["twitter"]["repeat_72h"] == 0
    assert got["bypass"] == {}


def test_unmerge_takes_back_bypass_lost_fcr_and_repeat(api, desk):
    email, twitter, mail = desk
    ingest(twitter, message("twitter", "1111", "@brand still no refund", username="ann_k", public=True,
                            sent_at=now()))
    tweet = Conversation.objects.get(channel=twitter)
    assert_two_customers(api, mail, tweet)
    merged = api.post(f"/api/v1/contacts/{tweet.contact_id}/merge", {"into": mail.contact_id},
                      content_type="application/json")
    assert merged.status_code == 200, merged.content
    assert_one_customer(api, mail, tweet)
    assert api.post(f"/api/v1/contacts/{tweet.contact_id}/unmerge").status_code == 200
    assert_two_customers(api, mail, tweet)
    before = reports(api)
    call_command("rebuild_rollups", "--quiet", stdout=StringIO())
    assert reports(api) == before  # the withdrawn facts are gone from the events too


def test_unlinking_a_handle_through_the_api(api, desk):
    email, twitter, mail = desk
    # The DM names Ann's address, so the Twitter account joins Ann's contact at once.
    ingest(twitter, message("twitter", "1111", "my email is ann@example.com", username="ann_k", thread="dm:1",
                            sent_at=now()))
    tweet = Conversation.objects.get(channel=twitter)
    assert tweet.contact_id == mail.contact_id
    assert_one_customer(api, mail, tweet)
    handle = Identity.objects.get(kind="twitter")
    answer = api.post(f"/api/v1/contacts/{mail.contact_id}/identities/{handle.pk}/unlink")
    assert answer.status_code == 200, answer.content
    new = answer.json()
    assert new["id"] != mail.contact_id and [i["kind"] for i in new["identities"]] == ["twitter"]
    assert Conversation.objects.get(pk=tweet.pk).contact_id == new["id"]
    assert Conversation.objects.get(pk=mail.pk).contact_id == mail.contact_id
    assert_two_customers(api, mail, tweet)
    only = Identity.objects.get(kind="email")
    refused = api.post(f"/api/v1/contacts/{mail.contact_id}/identities/{only.pk}/unlink")
    assert refused.status_code == 400 and "only handle" in refused.json()["detail"]


def test_unlinking_a_handle_from_the_contact_page(client, agent, api, desk):
    email, twitter, mail = desk
    ingest(twitter, message("twitter", "1111", "my email is ann@example.com", username="ann_k", thread="dm:1",
                            sent_at=now()))
    tweet = Conversation.objects.get(channel=twitter)
    assert_one_customer(api, mail, tweet)
    handle = Identity.objects.get(kind="twitter")
    client.force_login(agent)
    page = client.get(f"/contacts/{mail.contact_id}/").content.decode()
    assert f'action="/contacts/{mail.contact_id}/identities/{handle.pk}/unlink/"' in page
    answer = client.post(f"/contacts/{mail.contact_id}/identities/{handle.pk}/unlink/")
    new = Contact.objects.get(identities=handle)
    assert answer.status_code == 302 and answer["Location"] == f"/contacts/{new.pk}/"
    assert_two_customers(api, mail, tweet)
