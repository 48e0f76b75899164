"""One customer across every handle: automatic links on verified keys, suggestions otherwise."""

import pytest

from heedful.audit.models import AuditEntry
from heedful.contacts.models import Contact, Identity, LinkSuggestion, MergeRecord
from heedful.events import dispatcher, names
from tests.contacts.support import channel, ingest, message, post_api_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged_events():
    seen = []

    def listener(name, payload):
        seen.append(payload)

    dispatcher.listen(names.CONTACT_MERGED)(listener)
    yield seen
    dispatcher._listeners[names.CONTACT_MERGED].remove(listener)


def live_contacts():
    return Contact.objects.filter(merged_into__isnull=True, erased_at__isnull=True)


def the_contact(api, q):
    found = api.get("/api/v1/contacts", {"q": q}).json()
    assert found["count"] == 1, found
    return api.get(f"/api/v1/contacts/{found['results'][0]['id']}").json()


def test_email_phone_sms_whatsapp_twitter_and_api_are_one_customer(client, api, merged_events):
    email, twilio, whatsapp = channel("email"), channel("twilio"), channel("whatsapp")
    twitter, app = channel("twitter"), channel("api")

    ingest(email, message("email", "Ann@Example.com", "My parcel never arrived", name="Ann Kay"))
    ingest(twilio, message("phone", "+44 20 7946 0018", "Hi, it's Ann again. My email is ann@example.com"))
    assert live_contacts().count() == 1  # the SMS sender said which email is hers
    ingest(twilio, message("phone", "+442079460018", "Voice call, 3 minutes"))  # a call from the number
    ingest(whatsapp, message("whatsapp", "442079460018", "Any update?"))  # wa_id: no plus
    assert live_contacts().count() == 1
    ingest(twitter, message("twitter", "1111", "@brand where is my parcel?!", username="ann_k",
                            name="Ann K", public=True, followers=250))
    assert live_contacts().count() == 2  # a public tweet alone proves nothing
    ingest(twitter, message("twitter", "1111", "Sure - my email is ann@example.com", username="ann_k",
                            thread="dm:1111"))
    post_api_message(client, app, {"id": "app-1", "text": "Order 981 is wrong",
                                   "from": {"id": "u-42", "name": "Ann Kay", "email": "ann@example.com"}})
    assert live_contacts().count() == 1

    contact = the_contact(api, "ann@example.com")
    assert sorted(i["kind"] for i in contact["identities"]) == ["api", "email", "phone", "twitter", "whatsapp"]
    assert {i["handle"] for i in contact["identities"]} >= {"ann@example.com", "+442079460018", "1111", "u-42"}
    assert {c["provider"] for c in contact["timeline"]} == {"email", "twilio", "whatsapp", "twitter", "api"}
    assert len(contact["timeline"]) == 7
    assert contact["followers_count"] == 250
    for q in ("+44 20 7946 0018", "@ann_k", "Ann Kay"):
        assert the_contact(api, q)["id"] == contact["id"]
    merges = MergeRecord.objects.filter(target_id=contact["id"])
    assert merges.count() == 3 and {m.reason for m in merges} == {"email given in private message",
                                                                  "verified email"}
    assert AuditEntry.objects.filter(action="contact.merged", object_id=str(contact["id"])).count() == 3
    assert [e["target_id"] for e in merged_events] == [contact["id"]] * 3
    assert Identity.objects.get(kind="whatsapp").linked_via == "same phone number"


def test_email_given_in_a_dm_is_added_when_nobody_has_it(api):
    twitter, email = channel("twitter"), channel("email")
    ingest(twitter, message("twitter", "1111", "You can reach me at ann@example.com", username="ann_k",
                            thread="dm:1111"))
    ingest(email, message("email", "ann@example.com", "Following up by email"))
    assert live_contacts().count() == 1
    assert Identity.objects.get(kind="email").linked_via == "email given in private message"


def test_verified_widget_email_links_but_a_typed_one_does_not(api):
    webchat, email = channel("webchat"), channel("email")
    ingest(email, message("email", "ann@example.com", "Hello"))
    ingest(webchat, message("webchat", "visitor-1", "Hi", metadata={"email": "ann@example.com"}))
    assert live_contacts().count() == 2  # a pre-chat form email is only typed, not verified
    ingest(webchat, message("webchat", "visitor-2", "Hi again", metadata={"verified_email": "ann@example.com"}))
    assert live_contacts().count() == 2
    assert Identity.objects.get(kind="webchat", handle="visitor-2").contact == Identity.objects.get(kind="email").contact


def test_api_channel_can_be_told_not_to_trust_sender_emails(client):
    email, app = channel("email"), channel("api", trust_sender_email=False)
    ingest(email, message("email", "ann@example.com", "Hello"))
    post_api_message(client, app, {"id": "a-1", "text": "Hi", "from": {"id": "u-1", "email": "ann@example.com"}})
    assert live_contacts().count() == 2


def test_same_name_and_similar_handle_is_suggested_until_an_agent_confirms(api):
    twitter, email = channel("twitter"), channel("email")
    ingest(twitter, message("twitter", "2222", "hello", username="annkay", name="Ann Kay"))
    ingest(email, message("email", "ann.kay@example.org", "Hello there", name="Ann Kay"))
    ingest(email, message("email", "bob@example.org", "Hello", name="Ann Kay"))  # same name, other handle
    assert live_contacts().count() == 3
    newer = Identity.objects.get(handle="ann.kay@example.org").contact_id
    suggestions = api.get(f"/api/v1/contacts/{newer}/suggestions").json()
    assert suggestions["count"] == 1
    suggestion = suggestions["results"][0]
    assert suggestion["reason"] == "similar name and handle"
    older = Identity.objects.get(handle="2222").contact_id
    assert {suggestion["contact"]["id"], suggestion["other"]["id"]} == {newer, older}
    assert api.get(f"/api/v1/contacts/{older}/suggestions").json()["count"] == 1  # both sides see it

    confirmed = api.post(f"/api/v1/link-suggestions/{suggestion['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert live_contacts().count() == 2
    assert Identity.objects.get(handle="ann.kay@example.org").contact_id == older
    assert AuditEntry.objects.filter(action="link.confirmed", object_id=str(suggestion["id"])).exists()
    again = api.post(f"/api/v1/link-suggestions/{suggestion['id']}/confirm")
    assert again.status_code == 400


def test_a_common_name_is_suggested_with_the_closest_few_namesakes_only(api):
    email = channel("email")
    for n in range(6):
        ingest(email, message("email", f"john.smith.{n}@example.org", "Hello", name="John Smith"))
    ingest(email, message("email", "john.smith@example.org", "Hello", name="John Smith"))
    newest = Identity.objects.get(handle="john.smith@example.org").contact_id
    found = api.get(f"/api/v1/contacts/{newest}/suggestions").json()
    assert found["count"] == 3  # not one per namesake
    assert LinkSuggestion.objects.count() == 0 + 1 + 2 + 3 + 3 + 3 + 3  # each: the 3 closest before it


def test_two_new_namesakes_in_one_batch_are_suggested_to_each_other(api):
    email = channel("email")
    ingest(email, message("email", "maria.lopez@example.org", "Hello", name="Maria Lopez"),
           message("email", "maria.lopez@example.net", "Hello again", name="Maria Lopez"),
           message("email", "zed@example.org", "Hi", name="Rafael Ortega"))
    first, second = (Identity.objects.get(handle=h).contact_id
                     for h in ("maria.lopez@example.org", "maria.lopez@example.net"))
    suggestion = LinkSuggestion.objects.get()
    assert {suggestion.contact_id, suggestion.other_id} == {first, second}


def test_an_address_in_the_quoted_history_is_not_a_mention():
    email = channel("email")
    ingest(email, message("email", "support@brand.example", "Hi from support", name="Brand Support"))
    reply = message("email", "ann@example.com", "Thanks, that fixed it\n\nOn Mon, Brand Support "
                    "<support@brand.example> wrote:\n> Hi from support", name="Ann")
    reply.display_text = "Thanks, that fixed it"
    ingest(email, reply)
    assert not LinkSuggestion.objects.exists()
    mentioned = message("email", "ann@example.com", "Please write to support@brand.example instead", name="Ann")
    ingest(email, mentioned)
    assert LinkSuggestion.objects.get().reason == "email mentioned in private message"


def test_email_in_a_public_tweet_is_only_suggested_and_a_dismissal_sticks(api):
    email, twitter = channel("email"), channel("twitter")
    ingest(email, message("email", "ann@example.com", "Hello"))
    owner = Identity.objects.get(kind="email").contact_id
    ingest(twitter, message("twitter", "3333", "@brand my email is ann@example.com, fix it", public=True))
    ingest(twitter, message("twitter", "3333", "@brand still nothing. other@example.net", public=True))
    assert live_contacts().count() == 2
    tweeter = Identity.objects.get(kind="twitter").contact_id
    found = api.get(f"/api/v1/contacts/{tweeter}/suggestions").json()["results"]
    assert {(s["reason"], (s["other"] or {}).get("id"), s["handle"]) for s in found} == {
        ("email in public post", owner, ""), ("email in public post", None, "other@example.net")}
    to_owner = next(s for s in found if s["other"])
    assert api.post(f"/api/v1/link-suggestions/{to_owner['id']}/dismiss").json()["status"] == "dismissed"
    ingest(twitter, message("twitter", "3333", "@brand ann@example.com!!", public=True))
    assert LinkSuggestion.objects.filter(other_id=owner).count() == 1  # not raised again
    handle_only = next(s for s in found if not s["other"])
    api.post(f"/api/v1/link-suggestions/{handle_only['id']}/confirm")
    assert Identity.objects.get(handle="other@example.net").contact_id == tweeter


def test_a_second_account_of_the_same_network_is_suggested_not_merged(api):
    twitter = channel("twitter")
    ingest(twitter, message("twitter", "1111", "my email is ann@example.com", username="ann_k", thread="dm:1"))
    ingest(twitter, message("twitter", "4444", "my email is ann@example.com", username="not_ann", thread="dm:4"))
    assert live_contacts().count() == 2
    assert LinkSuggestion.objects.get().reason == "same email, different accounts"


def test_someone_elses_email_in_a_private_message_is_suggested(api):
    email, twitter = channel("email"), channel("twitter")
    ingest(email, message("email", "bob@example.com", "Hello", name="Bob"))
    ingest(twitter, message("twitter", "1111", "please also copy bob@example.com on this", thread="dm:1"))
    ingest(twitter, message("twitter", "1111", "and nobody@example.com too", thread="dm:1"))
    assert live_contacts().count() == 2
    suggestion = LinkSuggestion.objects.get()
    assert suggestion.reason == "email mentioned in private message" and suggestion.handle == ""
