"""Virality alerts on synthetic series: mean + k standard deviations of the past week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from heedful.conversations.models import Message
from heedful.routing import virality
from heedful.routing.models import Alert
from tests.contacts.support import channel, ingest, message

WEEK = [4, 6, 5, 7, 5, 6, 4]  # mean 5.29, sd 1.03: the limit with k=2 is 7.35


def test_a_spike_above_mean_plus_k_sd_is_found():
    assert virality.limit(WEEK) == pytest.approx(5.2857 + 2 * 1.0302, abs=1e-3)
    assert virality.is_spike(WEEK, 30)
    assert virality.is_spike(WEEK, 8)


def test_an_ordinary_day_is_no_spike():
    assert not virality.is_spike(WEEK, 7)
    assert not virality.is_spike(WEEK, 5)
    assert not virality.is_spike([0, 0, 0, 0, 0, 0, 0], 0)


def test_k_is_a_setting_and_too_little_history_says_nothing(settings):
    settings.HEEDFUL_VIRALITY_K = 5
    assert not virality.is_spike(WEEK, 8)
    assert virality.is_spike(WEEK, 11)
    assert not virality.is_spike([3, 4], 100)
    assert not virality.is_spike([0, 0, 0, 0, 0, 0, 0], 1, floor=5)  # a quiet channel's first complaint


@pytest.mark.django_db
def test_negative_mentions_spike_alerts_supervisors_once():
    at = datetime.now(UTC).replace(microsecond=0)
    quiet, loud = channel("twitter"), channel("twitter")
    for ch, today in ((quiet, 5), (loud, 40)):
        msgs = []
        for day, count in enumerate(WEEK):
            sent = at - timedelta(days=7 - day, hours=1)
            msgs += [message("twitter", f"{ch.pk}-{day}-{n}", "this is terrible, awful service", public=True,
                             sent_at=sent) for n in range(count)]
        msgs += [message("twitter", f"{ch.pk}-now-{n}", "this is terrible, awful service", public=True,
                         sent_at=at - timedelta(minutes=30)) for n in range(today)]
        ingest(ch, *msgs)
    assert Message.objects.filter(sentiment__lte=-0.05).count() == 2 * (sum(WEEK)) + 45
    counts = virality.negative_mention_counts(at)
    assert counts[loud.pk] == [*WEEK, 40] and counts[quiet.pk][-1] == 5
    (alert,) = virality.negative_mentions_alerts(at)
    assert alert.channel_id == loud.pk and alert.kind == "virality" and "40 negative mentions" in alert.detail
    assert virality.negative_mentions_alerts(at) == []  # told once a day
    assert Alert.objects.count() == 1
