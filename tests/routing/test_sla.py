"""SLA timers in business hours: periods, time zones, holidays, paused states, the sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from heedful.accounts.models import Profile, Role
from heedful.conversations import actions as conversation_actions
from heedful.conversations.models import Conversation, Priority
from heedful.core.errors import ValidationError
from heedful.routing import hours, sweep
from heedful.routing.models import Alert, BusinessHours, ConversationRouting
from tests.contacts.support import channel, ingest, message

pytestmark = pytest.mark.django_db

# Berlin office, Monday to Friday 09:00-12:00 and 13:00-17:00, Christmas off.
WEEKDAYS = [{"weekday": d, "start": s, "end": e} for d in range(5) for s, e in (("09:00", "12:00"), ("13:00", "17:00"))]
BERLIN = hours.Calendar.build("Europe/Berlin", WEEKDAYS, ["2026-12-25"])


def berlin(y, m, d, hh, mm=0):
    from zoneinfo import ZoneInfo

    return datetime(y, m, d, hh, mm, tzinfo=ZoneInfo("Europe/Berlin"))


def test_adding_working_time_skips_lunch_nights_weekends_and_holidays():
    # Thursday 24 December 2026, 11:30 Berlin: 30 min before lunch, then 13:00-
    assert hours.add(BERLIN, berlin(2026, 12, 24, 11, 30), 60) == berlin(2026, 12, 24, 13, 30)
    # 16:30 + 60 min: 30 min left on Thursday, Friday 25th is a holiday, so Monday 28th 09:30
    assert hours.add(BERLIN, berlin(2026, 12, 24, 16, 30), 60) == berlin(2026, 12, 28, 9, 30)
    # Saturday night: the clock starts on Monday at 09:00
    assert hours.add(BERLIN, berlin(2026, 12, 5, 23, 0), 15) == berlin(2026, 12, 7, 9, 15)
    # time zones: 08:30 UTC on a Monday in winter is 09:30 in Berlin
    assert hours.add(BERLIN, datetime(2026, 12, 7, 8, 30, tzinfo=UTC), 30) == berlin(2026, 12, 7, 10, 0)
    assert hours.add(None, berlin(2026, 12, 5, 23, 0), 15) == berlin(2026, 12, 5, 23, 15)


def test_measuring_working_time_and_open_hours():
    assert hours.between(BERLIN, berlin(2026, 12, 24, 11, 0), berlin(2026, 12, 28, 10, 0)) == (60 + 240 + 60) * 60
    assert BERLIN.is_open(berlin(2026, 12, 7, 10, 0)) and not BERLIN.is_open(berlin(2026, 12, 7, 12, 30))
    assert not BERLIN.is_open(berlin(2026, 12, 25, 10, 0))
    with pytest.raises(ValidationError):
        hours.Calendar.build("Mars/Olympus", WEEKDAYS)
    night = hours.Calendar.build("UTC", [{"weekday": 6, "start": "22:00", "end": "06:00"}])  # Sunday night
    assert hours.add(night, datetime(2026, 12, 6, 23, 0, tzinfo=UTC), 120) == datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    assert hours.add(hours.Calendar.build("UTC", []), datetime(2026, 12, 6, tzinfo=UTC), 5) is None  # never due


def _setup(api, **policy):
    hours_id = api.post("/api/v1/business-hours", {"name": "Berlin", "timezone": "Europe/Berlin",
                                                   "periods": WEEKDAYS, "holidays": ["2026-12-25"]},
                        content_type="application/json")
    assert hours_id.status_code == 201, hours_id.content
    body = {"name": "Email", "first_response_minutes": 60, "next_response_minutes": 30,
            "resolution_minutes": 480, "business_hours": hours_id.json()["id"], **policy}
    created = api.post("/api/v1/sla-policies", body, content_type="application/json")
    assert created.status_code == 201, created.content
    return created.json()


def test_policies_and_business_hours_api(api):
    policy = _setup(api)
    assert policy["first_response_minutes"] == 60 and policy["team"] is None and policy["channel"] is None
    listed = api.get("/api/v1/business-hours").json()["results"]
    assert listed[0]["periods"][1] == {"weekday": 0, "start": "13:00", "end": "17:00"}
    assert listed[0]["holidays"] == ["2026-12-25"]
    assert api.get("/api/v1/sla-policies").json()["count"] == 1
    assert api.post("/api/v1/business-hours", {"name": "X", "timezone": "Nowhere/Land", "periods": WEEKDAYS},
                    content_type="application/json").status_code == 422
    assert api.post("/api/v1/business-hours", {"name": "Berlin", "timezone": "UTC", "periods": WEEKDAYS},
                    content_type="application/json").status_code == 409
    assert api.post("/api/v1/sla-policies", {"name": "Y", "colour": "red"},
                    content_type="application/json").status_code == 422
    assert api.post("/api/v1/sla-policies", {"name": "Y", "channel": 99999},
                    content_type="application/json").status_code == 404


def test_the_most_specific_policy_applies_and_due_times_follow_business_hours(api):
    email, other = channel("email"), channel("email")
    _setup(api)
    specific_policy = api.post("/api/v1/sla-policies", {"name": "VIP mailbox", "channel": email.pk,
                                                        "first_response_minutes": 15},
                               content_type="application/json").json()
    sent = berlin(2026, 12, 24, 16, 50)
    ingest(email, message("email", "a@example.com", "Where is my parcel?", sent_at=sent))
    ingest(other, message("email", "b@example.com", "Where is my parcel?", sent_at=sent))
    specific = Conversation.objects.get(channel=email)
    general = Conversation.objects.get(channel=other)
    data = api.get(f"/api/v1/conversations/{specific.pk}").json()["sla"]
    assert data["policy"] == specific_policy["id"] and data["resolution_due"] is None
    assert datetime.fromisoformat(data["first_response_due"]) == sent + timedelta(minutes=15)  # no calendar
    data = api.get(f"/api/v1/conversations/{general.pk}").json()["sla"]
    # 10 minutes on Thursday, Christmas off, 50 minutes on Monday from 09:00
    assert datetime.fromisoformat(data["first_response_due"]) == berlin(2026, 12, 28, 9, 50)
    assert datetime.fromisoformat(data["resolution_due"]) == berlin(2026, 12, 29, 9, 50)  # 8 working hours


def test_sweep_raises_near_breach_then_breach_and_alerts_supervisors(api, django_user_model):
    boss = django_user_model.objects.create_user("boss", "boss@example.com", "pw-long-enough-1")
    Profile.objects.create(user=boss, role=Role.SUPERVISOR)
    api.post("/api/v1/sla-policies", {"name": "Fast", "first_response_minutes": 60},
             content_type="application/json")
    email = channel("email")
    opened = datetime.now(UTC).replace(microsecond=0)
    ingest(email, message("email", "c@example.com", "Hello, a question", sent_at=opened))
    conversation = Conversation.objects.get()
    state = ConversationRouting.objects.get(pk=conversation.pk)
    base = state.score
    assert state.sla_level == 0 and state.first_response_due == opened + timedelta(minutes=60)

    assert sweep.sla_sweep(at=opened + timedelta(minutes=20))["changed"] == 0
    result = sweep.sla_sweep(at=opened + timedelta(minutes=50))  # 10 of 60 minutes left: near
    assert result["changed"] == 1
    state.refresh_from_db()
    assert state.sla_level == 1 and state.score == base + 2.0 and state.near_breach == ["first_response"]
    sweep.sla_sweep(at=opened + timedelta(minutes=61))
    state.refresh_from_db()
    conversation.refresh_from_db()
    assert state.sla_level == 2 and state.breached == ["first_response"] and state.score == base + 4.0
    assert conversation.priority == Priority.HIGH  # the band rose with the score
    assert list(Alert.objects.order_by("id").values_list("kind", flat=True)) == ["sla_near_breach", "sla_breached"]
    assert sweep.sla_sweep(at=opened + timedelta(minutes=70))["alerts"] == 0  # told once
    listed = api.get("/api/v1/alerts").json()["results"]
    assert {a["detail"] for a in listed} == {"first response near breach", "first response breached"}


def test_pending_and_snoozed_stop_the_clock(api):
    api.post("/api/v1/sla-policies", {"name": "Fast", "first_response_minutes": 60},
             content_type="application/json")
    email = channel("email")
    opened = datetime.now(UTC).replace(microsecond=0)
    ingest(email, message("email", "p@example.com", "Hello, a question", sent_at=opened))
    conversation = Conversation.objects.get()
    sweep.sla_sweep(at=opened + timedelta(minutes=10))
    conversation_actions.set_pending(None, conversation, until=opened + timedelta(days=1))  # snoozed
    sweep.sla_sweep(at=opened + timedelta(minutes=15))  # notes the pause
    state = ConversationRouting.objects.get(pk=conversation.pk)
    assert state.paused_at == opened + timedelta(minutes=15)
    assert sweep.sla_sweep(at=opened + timedelta(minutes=300))["alerts"] == 0  # paused: no breach
    state.refresh_from_db()
    assert state.sla_level == 0 and state.breached == []
    conversation_actions.reopen(None, conversation)
    sweep.sla_sweep(at=opened + timedelta(minutes=315))  # back after 300 minutes of pause
    state.refresh_from_db()
    # 45 minutes were left when the clock stopped: due 45 minutes after the return
    assert state.paused_at is None and state.first_response_due == opened + timedelta(minutes=360)
    assert api.get(f"/api/v1/conversations/{conversation.pk}").json()["sla"]["breached"] == []


def test_an_answer_meets_the_first_response_and_starts_next_response_later(api):
    api.post("/api/v1/sla-policies", {"name": "Fast", "first_response_minutes": 60, "next_response_minutes": 30},
             content_type="application/json")
    email = channel("email")
    opened = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    ingest(email, message("email", "n@example.com", "Hello, a question", sent_at=opened, thread="t"))
    conversation = Conversation.objects.get()
    conversation_actions.append_message(conversation, direction="out", text="Hi! Looking into it.",
                                        sent_at=opened + timedelta(minutes=2))
    ingest(email, message("email", "n@example.com", "Any news?", sent_at=opened + timedelta(minutes=4), thread="t"))
    state = ConversationRouting.objects.get(pk=conversation.pk)
    assert state.next_response_due == opened + timedelta(minutes=34)
    sweep.sla_sweep(at=opened + timedelta(minutes=40))
    state.refresh_from_db()
    assert state.breached == ["next_response"]  # the first response came in time


def test_ical_holiday_feed_import(api, tmp_path):
    api.post("/api/v1/business-hours", {"name": "Berlin", "timezone": "Europe/Berlin", "periods": WEEKDAYS},
             content_type="application/json")
    feed = tmp_path / "holidays.ics"
    feed.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
                    "BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261227\r\n"
                    "SUMMARY:Christmas\r\nEND:VEVENT\r\n"
                    "BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:New Year\r\nEND:VEVENT\r\n"
                    "END:VCALENDAR\r\n")
    out = StringIO()
    call_command("import_holidays", str(feed), "--calendar", "Berlin", stdout=out)
    assert "3 new holidays" in out.getvalue()
    assert BusinessHours.objects.get().holidays == ["2026-12-25", "2026-12-26", "2027-01-01"]
    calendar = hours.Calendar.of(BusinessHours.objects.get())
    assert hours.add(calendar, berlin(2026, 12, 24, 16, 30), 60) == berlin(2026, 12, 28, 9, 30)
