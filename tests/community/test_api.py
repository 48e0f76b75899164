"""The community API's contract (DESIGN.md §Community and help centre) and the forum's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from heedful.community.models import MemberProfile, Post, Topic

pytestmark = pytest.mark.django_db


def test_categories_are_created_by_staff_only(staff_api, member_api):
    body = {"slug": "billing", "name": "Billing", "support": True, "escalate_after_minutes": 30}
    created = staff_api.post("/api/v1/community/categories", body)
    assert created.status_code == 201, created.content
    assert created.json() == {"id": created.json()["id"], "slug": "billing", "name": "Billing",
                              "support": True, "escalate_after_minutes": 30}
    _, api = member_api()
    assert api.post("/api/v1/community/categories", {**body, "slug": "x"}).status_code == 403
    assert staff_api.post("/api/v1/community/categories", body).status_code == 409
    assert staff_api.post("/api/v1/community/categories", {**body, "colour": "red"}).status_code == 422


def test_topic_json_has_exactly_the_contract_fields(staff_api, member_api, general):
    _, api = member_api("ann")
    created = api.post("/api/v1/community/topics", {"category": "lounge", "title": "Hello there", "body": "**Hi** all"})
    assert created.status_code == 201, created.content
    topic = created.json()
    assert set(topic) == {"id", "url", "title", "category", "solved", "accepted_post", "conversation", "posts"}
    assert topic["url"].endswith(f"/community/t/{topic['id']}/hello-there/")
    assert topic["category"] == "lounge" and topic["solved"] is False and topic["accepted_post"] is None
    assert topic["posts"] == [{"id": topic["posts"][0]["id"], "author": "ann", "staff": False,
                               "body_html": "<p><strong>Hi</strong> all</p>\n", "status": "visible"}]
    reply = staff_api.post(f"/api/v1/community/topics/{topic['id']}/posts", {"body": "Welcome!"})
    assert reply.status_code == 201 and reply.json()["staff"] is True
    read = api.get(f"/api/v1/community/topics/{topic['id']}").json()
    assert [p["staff"] for p in read["posts"]] == [False, True]
    # Anyone may read a public topic; a wrong token is 401, not a silent anonymous read.
    from tests.community.conftest import Api

    assert Api(None).get(f"/api/v1/community/topics/{topic['id']}").status_code == 200
    assert Api("nope").get(f"/api/v1/community/topics/{topic['id']}").status_code == 401
    assert Api(None).post("/api/v1/community/topics", {"category": "lounge", "title": "x y z", "body": "b"}).status_code == 401


def test_only_the_asker_or_staff_accepts(member_api, staff_api, general):
    _, asker = member_api("asker")
    _, other = member_api("other")
    topic = asker.post("/api/v1/community/topics", {"category": "lounge", "title": "How do I?", "body": "Help"}).json()
    answer = other.post(f"/api/v1/community/topics/{topic['id']}/posts", {"body": "Like this."}).json()
    denied = other.post(f"/api/v1/community/posts/{answer['id']}/accept")
    assert denied.status_code == 403, denied.content
    assert Topic.objects.get(pk=topic["id"]).accepted_post_id is None
    accepted = asker.post(f"/api/v1/community/posts/{answer['id']}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["solved"] is True and accepted.json()["accepted_post"] == answer["id"]
    # The question itself is never the answer; staff may accept on any topic.
    assert asker.post(f"/api/v1/community/posts/{topic['posts'][0]['id']}/accept").status_code == 400
    assert staff_api.post(f"/api/v1/community/posts/{answer['id']}/accept").status_code == 200


def test_a_closed_topic_is_not_accepted_by_its_asker(member_api, staff, general):
    from heedful.community import moderation
    from heedful.community.members import staff_viewer

    _, asker = member_api()
    _, other = member_api()
    topic = asker.post("/api/v1/community/topics", {"category": "lounge", "title": "Closed one", "body": "q"}).json()
    answer = other.post(f"/api/v1/community/topics/{topic['id']}/posts", {"body": "a"}).json()
    moderation.close(staff_viewer(staff), topic["id"])
    assert asker.post(f"/api/v1/community/posts/{answer['id']}/accept").status_code == 403


def test_new_members_post_with_five_links_waits_in_the_review_queue(member_api, staff_api, general):
    _, api = member_api("newbie")
    links = " ".join(f"https://spam{i}.example/" for i in range(5))
    topic = api.post("/api/v1/community/topics", {"category": "lounge", "title": "Great deals", "body": links}).json()
    assert topic["posts"][0]["status"] == "review"
    queue = staff_api.get("/api/v1/community/review-queue").json()
    assert queue["count"] == 1 and queue["results"][0]["topic"] == topic["id"]
    assert "more than 2 links" in queue["results"][0]["reason"]
    # Not listed for anyone else until a moderator approves it.
    from tests.community.conftest import Api

    assert Api(None).get(f"/api/v1/community/topics/{topic['id']}").status_code == 404
    assert api.get("/api/v1/community/review-queue").status_code == 403
    # A TL1 member may post five; a new member's reply with two links shows at once.
    _, trusted = member_api("regular", trust_level=1)
    other = trusted.post("/api/v1/community/topics", {"category": "lounge", "title": "Links", "body": links}).json()
    assert other["posts"][0]["status"] == "visible"
    ok = api.post(f"/api/v1/community/topics/{other['id']}/posts", {"body": "https://a.example https://b.example"})
    assert ok.status_code == 201 and ok.json()["status"] == "visible"


def test_new_member_limits_answer_429_with_retry_after(member_api, general):
    member, api = member_api()
    for i in range(3):
        assert api.post("/api/v1/community/topics", {"category": "lounge", "title": f"Topic {i}", "body": "b"}).status_code == 201
    fourth = api.post("/api/v1/community/topics", {"category": "lounge", "title": "Topic 4", "body": "b"})
    assert fourth.status_code == 429, fourth.content
    assert 0 < int(fourth["Retry-After"]) <= 24 * 3600
    topic_id = Topic.objects.filter(author=member.user).first().pk
    for i in range(10):
        assert api.post(f"/api/v1/community/topics/{topic_id}/posts", {"body": f"reply {i}"}).status_code == 201
    eleventh = api.post(f"/api/v1/community/topics/{topic_id}/posts", {"body": "one more"})
    assert eleventh.status_code == 429 and int(eleventh["Retry-After"]) > 0
    # After the first day the limits are gone.
    MemberProfile.objects.filter(pk=member.pk).update(created_at=member.created_at - timedelta(days=1, seconds=5))
    assert api.post(f"/api/v1/community/topics/{topic_id}/posts", {"body": "next day"}).status_code == 201


def test_create_member_prints_a_member_token_that_is_not_a_desk_token(capsys, general):
    call_command("create_member", "mia", "mia@example.org")
    key = capsys.readouterr().out.strip()
    from tests.community.conftest import Api

    api = Api(key)
    assert api.post("/api/v1/community/topics", {"category": "lounge", "title": "From the CLI", "body": "b"}).status_code == 201
    assert Post.objects.get().author_name == "mia"
    # The member key opens nothing on the desk's API.
    assert api.get("/api/v1/conversations").status_code == 401
