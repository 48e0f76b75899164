"""The `community` report: per category, time to the first reply by another member, the share
unanswered, solved, solved by a member rather than staff, and the forum's deflections; through
the reports API (JSON and CSV), `heedful report community` and the /reports/ dashboard."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from heedful.community import actions
from heedful.community.members import member_viewer, staff_viewer
from heedful.community.models import Post
from heedful.knowledge import actions as knowledge_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def forum(make_member, support, general, staff):
    asker, helper = make_member("asker"), make_member("helper")
    ask = member_viewer(asker)
    # Lounge: one topic solved by a member (answered after 2 minutes), one solved by staff.
    by_member = actions.create_topic(ask, category="lounge", title="Where is the export button?", body="?")
    answer = actions.create_post(member_viewer(helper), by_member.pk, "Under Settings, Export")
    Post.objects.filter(pk=answer.pk).update(created_at=by_member.created_at + timedelta(seconds=120))
    actions.accept(ask, answer.pk)
    by_staff = actions.create_topic(ask, category="lounge", title="Can I change my plan?", body="?")
    staff_answer = actions.create_post(staff_viewer(staff), by_staff.pk, "Yes, from Billing")
    actions.accept(ask, staff_answer.pk)
    # Help (support, escalates at once): nobody answered.
    actions.create_topic(ask, category="help", title="My card was charged twice", body="order 1234")
    # One visitor opened a suggestion in the new-topic form and asked nothing.
    knowledge_actions.record_suggestion_opened("visitor-9", "topic", by_member.pk, surface="new-topic")
    knowledge_actions.settle_deflections(now=timezone.now() + timedelta(hours=2))


def _period():
    now = timezone.now()
    return {"since": (now - timedelta(days=1)).isoformat(), "until": (now + timedelta(days=1)).isoformat()}


def test_the_api_reports_the_forum_per_category(api, forum):
    body = api.get("/api/v1/reports/community", _period()).json()
    assert body["report"] == "community"
    rows = {r["category"]: r for r in body["rows"]}
    lounge, help_, every = rows["lounge"], rows["help"], rows["*"]
    assert lounge["topics"] == 2 and lounge["solved_rate"] == 1.0 and lounge["solved_by_member_rate"] == 0.5
    assert lounge["unanswered_rate"] == 0.0 and lounge["first_member_reply_median_seconds"] == 120
    assert help_["topics"] == 1 and help_["unanswered_rate"] == 1.0 and help_["solved_rate"] == 0.0
    assert help_["solved_by_member_rate"] is None and help_["escalated"] == 1
    assert every["topics"] == 3 and every["deflections"] == 1 and lounge["deflections"] is None
    assert "community" in api.get("/api/v1/reports").json()["reports"]
    csv_text = api.get("/api/v1/reports/community", {**_period(), "format": "csv"}).content.decode()
    assert next(csv.DictReader(io.StringIO(csv_text)))["category"] == "help"


def test_an_empty_period_has_zero_topics(api, forum):
    later = timezone.now() + timedelta(days=10)
    rows = api.get("/api/v1/reports/community", {"since": later.isoformat()}).json()["rows"]
    assert all(r["topics"] == 0 and r["solved_rate"] is None for r in rows)


def test_the_cli_prints_the_same_rows(forum):
    out = io.StringIO()
    call_command("report", "community", "--since", _period()["since"], "--until", _period()["until"], stdout=out)
    rows = {r["category"]: r for r in json.loads(out.getvalue())["rows"]}
    assert rows["lounge"]["solved_by_member_rate"] == 0.5


def test_the_dashboard_draws_it_with_csv_and_json_links(client, django_user_model, forum):
    from heedful.accounts.models import Profile, Role

    boss = django_user_model.objects.create_user("boss", "boss@brand.example", "pass-12345-x")
    Profile.objects.create(user=boss, role=Role.ADMIN)
    client.force_login(boss)
    page = client.get("/reports/", _period()).content.decode()
    assert 'data-report="community"' in page and "/reports/community.csv" in page and "/reports/community.json" in page
    exported = client.get("/reports/community.json", _period())
    assert exported.status_code == 200 and {r["category"] for r in exported.json()["rows"]} == {"help", "lounge", "*"}
