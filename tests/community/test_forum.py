"""The forum's rules: safe Markdown, trust levels, flags, members apart from agents, mail,
search, feeds and the public pages."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.test import Client

from heedful.community import actions, markdown, search, trust
from heedful.community.members import member_viewer, staff_viewer
from heedful.community.models import MemberProfile, Post, PostStatus, Topic
from heedful.community.search import suggest_topics

pytestmark = pytest.mark.django_db


# -- Markdown --------------------------------------------------------------------------------

def test_markdown_drops_markup_script_and_dangerous_links():
    html = markdown.render('<script>alert(1)</script> <img src=x onerror=alert(2)>\n\n'
                           '[a](javascript:alert(3)) [b](https://ok.example/x) **bold**', nofollow=True)
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown as text
    assert '<a href="https://ok.example/x" rel="nofollow ugc noopener noreferrer">b</a>' in html
    assert "<strong>bold</strong>" in html


def test_offsite_links_are_nofollow_below_tl3_only():
    body = "[site](https://elsewhere.example/) [home](https://brand.example/faq) [rel](/community/)"
    low = markdown.render(body, nofollow=True, own_host="brand.example")
    high = markdown.render(body, nofollow=False, own_host="brand.example")
    assert 'href="https://elsewhere.example/" rel="nofollow ugc noopener noreferrer"' in low
    assert 'href="https://elsewhere.example/" rel="noopener noreferrer"' in high
    assert '<a href="https://brand.example/faq">home</a>' in low and '<a href="/community/">rel</a>' in low
    assert trust.nofollow(MemberProfile(trust_level=2), staff=False) is True
    assert trust.nofollow(MemberProfile(trust_level=3), staff=False) is False
    assert markdown.count_links("see https://a.example and www.b.example or [c](http://c.example)") == 3


# -- trust levels and flags -------------------------------------------------------------------

def test_promotion_happens_at_the_threshold_not_one_below(make_member):
    member = make_member()
    needs = trust.DEFAULTS[1]
    MemberProfile.objects.filter(pk=member.pk).update(topics_entered=needs["topics_entered"] - 1,
                                                      posts_read=needs["posts_read"],
                                                      read_seconds=needs["read_seconds"])
    member.refresh_from_db()
    assert trust.earned_level(member) == 0
    member.topics_entered += 1
    assert trust.earned_level(member) == 1


def test_reading_promotes_a_member_to_tl1(make_member, general):
    reader, writer = make_member("reader"), make_member("writer", trust_level=1)
    MemberProfile.objects.filter(pk=reader.pk).update(read_seconds=600, posts_read=29)
    topics = [actions.create_topic(member_viewer(writer), category="lounge", title=f"Topic {i}", body="b")
              for i in range(5)]
    reader.refresh_from_db()
    for topic in topics[:4]:
        actions.record_read(reader, topic, 1)
    reader.refresh_from_db()
    assert reader.trust_level == 0 and reader.topics_entered == 4
    actions.record_read(reader, topics[4], 1)
    reader.refresh_from_db()
    assert reader.trust_level == 1


def test_flags_weigh_by_trust_and_hide_at_the_threshold(make_member, staff, general):
    author = make_member("author", trust_level=1)
    topic = actions.create_topic(member_viewer(author), category="lounge", title="A topic", body="q")
    reply = actions.create_post(member_viewer(author), topic.pk, "buy now")
    actions.flag(member_viewer(make_member("flagger1")), reply.pk, "spam")  # TL0: weight 1
    assert Post.objects.get(pk=reply.pk).status == PostStatus.VISIBLE
    actions.flag(member_viewer(make_member("flagger2", trust_level=1)), reply.pk, "spam")  # TL1: weight 2
    hidden = Post.objects.get(pk=reply.pk)
    assert hidden.flag_score == 3 and hidden.status == PostStatus.HIDDEN
    assert Topic.objects.get(pk=topic.pk).replies_count == 0
    # A staff flag alone weighs 5.
    other = actions.create_post(member_viewer(author), topic.pk, "hello")
    actions.flag(staff_viewer(staff), other.pk, "inappropriate")
    assert Post.objects.get(pk=other.pk).flag_score == 5
    assert trust.flag_weight(None, staff=False) == 1


# -- members are not agents -------------------------------------------------------------------

def test_a_member_cannot_sign_in_to_the_workspace_and_an_agent_name_cannot_be_taken(make_member, staff, client):
    make_member("moe", password="member-pass-123")
    response = client.post("/login/", {"username": "moe", "password": "member-pass-123"})
    assert response.status_code != 302 or "/inbox/" not in response.get("Location", "")
    assert client.get("/inbox/").status_code in (302, 403)
    from heedful.core.errors import Conflict

    with pytest.raises(Conflict):
        actions.signup("sam", "other@example.org", "member-pass-123")  # the staff user's name


def test_signup_login_and_session_stay_in_the_forum(client, staff):
    page = client.get("/community/signup/")
    assert page.status_code == 200 and b'name="csrfmiddlewaretoken"' in page.content
    created = client.post("/community/signup/", {"username": "zoe", "email": "zoe@example.org", "password": "zoe-pass-1234"})
    assert created.status_code == 302
    assert b"zoe" in client.get("/community/").content
    assert client.get("/api/v1/conversations").status_code == 401  # a member session is no API login
    client.post("/community/logout/")
    bad = client.post("/community/login/", {"username": "zoe", "password": "wrong-password"})
    assert bad.status_code == 400
    good = client.post("/community/login/", {"username": "zoe@example.org", "password": "zoe-pass-1234"})
    assert good.status_code == 302


def test_forms_need_the_csrf_token(general):
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/community/signup/", {"username": "u1", "email": "u1@example.org", "password": "p-123456789"})
    assert response.status_code == 403
    assert not MemberProfile.objects.exists()


def test_password_reset_by_mail(client, make_member):
    make_member("rita", password="old-pass-12345")
    client.post("/community/password-reset/", {"email": "rita@example.org"})
    client.post("/community/password-reset/", {"email": "nobody@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"/community/password-reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    assert client.post(link, {"password": "new-pass-67890"}).status_code == 302
    assert client.get(link).context["valid"] is False  # used once
    client.post("/community/logout/")
    assert client.post("/community/login/", {"username": "rita", "password": "new-pass-67890"}).status_code == 302


# -- subscriptions ------------------------------------------------------------------------------

def test_subscribers_get_mail_after_commit_but_not_for_their_own_posts(make_member, general):
    asker, helper = make_member("asker"), make_member("helper")
    topic = actions.create_topic(member_viewer(asker), category="lounge", title="Wifi drops", body="Why?")
    assert mail.outbox == []
    actions.create_post(member_viewer(helper), topic.pk, "Update the **router**")
    assert [m.to for m in mail.outbox] == [["asker@example.org"]]
    assert "Update the router" in mail.outbox[0].body and "/community/t/" in mail.outbox[0].body
    actions.create_post(member_viewer(asker), topic.pk, "Thanks")
    assert [m.to for m in mail.outbox][1:] == [["helper@example.org"]]


# -- search and suggestions --------------------------------------------------------------------

def test_suggest_topics_returns_only_solved_visible_topics(make_member, staff, general):
    asker, helper = make_member("asker1"), make_member("helper1")
    solved = actions.create_topic(member_viewer(asker), category="lounge", title="Reset my card PIN",
                                  body="I forgot the PIN of my debit card")
    answer = actions.create_post(member_viewer(helper), solved.pk, "Use the app: Cards > Reset PIN")
    actions.accept(member_viewer(asker), answer.pk)
    actions.create_topic(member_viewer(asker), category="lounge", title="PIN of my card again", body="unsolved")
    found = suggest_topics("how do I reset the pin on my card", 5)
    assert [r["id"] for r in found] == [solved.pk]
    result = found[0]
    assert set(result) == {"kind", "id", "title", "url", "score"} and result["kind"] == "topic"
    assert 0 < result["score"] <= 1 and result["url"].endswith(solved.get_absolute_url())
    assert suggest_topics("", 5) == [] and suggest_topics("the and of", 5) == []
    assert {t.pk for t, _ in search.search("card pin")} == {solved.pk, solved.pk + 1}


# -- public pages ------------------------------------------------------------------------------

def test_public_pages_feeds_sitemap_and_qa_structured_data(client, make_member, general):
    asker, helper = make_member("asker2"), make_member("helper2")
    topic = actions.create_topic(member_viewer(asker), category="lounge", title="Roaming in France",
                                 body="Does my plan </script> cover roaming?")
    answer = actions.create_post(member_viewer(helper), topic.pk, "Yes, EU roaming is included.")
    assert client.get("/community/").status_code == 200
    assert b"Roaming in France" in client.get("/community/c/lounge/").content
    page = client.get(topic.get_absolute_url())
    assert page.status_code == 200 and b"application/ld+json" not in page.content
    assert client.get(f"/community/t/{topic.pk}/").status_code == 301
    actions.accept(member_viewer(asker), answer.pk)
    page = client.get(topic.get_absolute_url()).content.decode()
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(ld)
    assert data["@type"] == "QAPage" and data["mainEntity"]["acceptedAnswer"]["text"] == "Yes, EU roaming is included."
    assert "</script>" not in ld  # the customer's text cannot close the script
    rss = client.get("/community/c/lounge/feed.rss")
    atom = client.get("/community/c/lounge/feed.atom")
    assert rss.status_code == 200 and b"<rss" in rss.content and b"Roaming in France" in rss.content
    assert atom.status_code == 200 and b"http://www.w3.org/2005/Atom" in atom.content
    sitemap = client.get("/community/sitemap.xml").content.decode()
    assert f"/community/t/{topic.pk}/roaming-in-france/" in sitemap
    assert client.get("/community/search/?q=roaming").status_code == 200
    assert client.get("/community/c/nope/").status_code == 404


def test_page_forms_map_limits_and_denials_to_statuses(client, make_member, general):
    asker, other = make_member("page-a", password="pa-pass-12345"), make_member("page-b", password="pb-pass-12345")
    topic = actions.create_topic(member_viewer(asker), category="lounge", title="Page topic", body="q")
    answer = actions.create_post(member_viewer(other), topic.pk, "a")
    client.post("/community/login/", {"username": "page-b", "password": "pb-pass-12345"})
    denied = client.post(f"/community/posts/{answer.pk}/accept/")
    assert denied.status_code == 403
    for i in range(3):
        client.post("/community/c/lounge/new/", {"title": f"Mine {i}", "body": "b"})
    limited = client.post("/community/c/lounge/new/", {"title": "Mine 4", "body": "b"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0


# -- reports and moderation ---------------------------------------------------------------------

def test_community_report_counts_member_answers_apart_from_staff(make_member, staff, general):
    from datetime import timedelta

    from heedful.community.reports import community_report
    from heedful.core.clock import now

    asker, helper = make_member("rep-asker"), make_member("rep-helper")
    by_member = actions.create_topic(member_viewer(asker), category="lounge", title="Solved by a member", body="q")
    actions.accept(member_viewer(asker), actions.create_post(member_viewer(helper), by_member.pk, "a").pk)
    by_staff = actions.create_topic(member_viewer(asker), category="lounge", title="Solved by staff", body="q")
    actions.accept(member_viewer(asker), actions.create_post(staff_viewer(staff), by_staff.pk, "a").pk)
    actions.create_topic(member_viewer(asker), category="lounge", title="Nobody answered", body="q")
    report = community_report(now() - timedelta(hours=1), now() + timedelta(hours=1))
    assert report["topics"] == 3 and report["solved_rate"] == round(2 / 3, 4)
    assert report["unanswered_rate"] == round(1 / 3, 4) and report["solved_by_member_rate"] == 0.5
    assert report["first_member_reply_median_seconds"] is not None


def test_moderators_merge_topics_and_members_edit_their_own_posts(make_member, staff, general):
    from heedful.community import moderation
    from heedful.core.errors import PermissionDenied

    author, other = make_member("mod-author"), make_member("mod-other")
    first = actions.create_topic(member_viewer(author), category="lounge", title="Printer jams", body="help")
    second = actions.create_topic(member_viewer(other), category="lounge", title="Printer jam again", body="same")
    moderation.merge(staff_viewer(staff), second.pk, first.pk)
    assert list(Post.objects.filter(topic=first).order_by("number").values_list("number", "body")) == [
        (1, "help"), (2, "same")]
    assert Topic.objects.get(pk=second.pk).merged_into_id == first.pk
    assert Client().get(f"/community/t/{second.pk}/").status_code == 302
    with pytest.raises(PermissionDenied):
        moderation.edit(member_viewer(other), first.posts.get(number=1).pk, "mine now")
    edited = moderation.edit(member_viewer(author), first.posts.get(number=1).pk, "help **please**")
    assert edited.body_html == "<p>help <strong>please</strong></p>\n"
    with pytest.raises(PermissionDenied):
        moderation.close(member_viewer(author), first.pk)


def test_category_pages_page_by_keyset_and_ignore_a_broken_cursor(client, make_member, general, settings):
    from heedful.community import selectors

    writer = make_member("pager", trust_level=1)
    for i in range(selectors.PAGE_TOPICS + 2):
        actions.create_topic(member_viewer(writer), category="lounge", title=f"Paged topic {i:02d}", body="b")
    first = client.get("/community/c/lounge/")
    assert first.status_code == 200 and b"Older topics" in first.content
    older = re.search(rb'href="\?before_at=([^&]+)&amp;before_id=(\d+)"', first.content)
    second = client.get(f"/community/c/lounge/?before_at={older.group(1).decode()}&before_id={older.group(2).decode()}")
    assert b"Paged topic 00" in second.content and b"Paged topic 00" not in first.content
    assert client.get("/community/c/lounge/?before_at=2026-13-45T99:00:00&before_id=1").status_code == 200
