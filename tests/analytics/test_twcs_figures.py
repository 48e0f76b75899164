"""A replay of the TWCS sample (real customer-support tweets) through the Twitter webhook, one
channel per brand: the first-response and repeat-contact figures of the reports equal those
computed here from the CSV in plain Python.

The expectation is built independently of the importer and of analytics: which tweets a brand's
replay carries (its chains), which conversation each tweet lands in (`expected_threads`), then
per brand the time from a conversation's first tweet to the brand's first answer, and per
customer the gap to their previous conversation on any of the replayed channels.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import shared_data
from tests.providers.twitter.test_replay_twcs import _id, expected_threads

# the three busiest brands, and three whose customers came back (repeat contacts)
BRANDS = ("AmazonHelp", "AppleSupport", "Delta", "sprintcare", "VirginTrains", "Ask_Spectrum")
H72, D7, D30 = 72 * 3600, 7 * 86400, 30 * 86400


def rows_of(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {_id(r["tweet_id"]): r for r in csv.DictReader(handle)}


def when(row: dict) -> datetime:
    return datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y")


def top_of(rows: dict[str, dict], tweet_id: str) -> str:
    seen = [tweet_id]
    while True:
        parent = _id(rows[seen[-1]]["in_response_to_tweet_id"])
        if parent not in rows or parent in seen:
            return seen[-1]
        seen.append(parent)


def brand_rows(rows: dict[str, dict], brand: str) -> dict[str, dict]:
    """The tweets a brand's replay sends: its reply chains, without other brands' tweets."""
    mention = re.compile(rf"@{re.escape(brand)}\b", re.IGNORECASE)
    tops = {t: top_of(rows, t) for t in rows}
    wanted = {tops[t] for t, r in rows.items()
              if (r["inbound"] == "False" and r["author_id"].lower() == brand.lower())
              or (r["inbound"] == "True" and mention.search(r["text"]))}
    return {t: r for t, r in rows.items() if tops[t] in wanted
            and (r["inbound"] == "True" or r["author_id"].lower() == brand.lower())}


def conversations(rows: dict[str, dict], tmp: Path) -> dict[str, dict]:
    """root tweet -> {customer, opened, first_answer} for one brand's replay."""
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(next(iter(rows.values()))))
        writer.writeheader()
        writer.writerows(rows.values())
    out: dict[str, dict] = {}
    for tweet_id, root in expected_threads(tmp).items():
        if root is None:
            continue
        conv = out.setdefault(root, {"customer": rows[root]["author_id"], "times": [], "answers": []})
        conv["times"].append(when(rows[tweet_id]))
        if rows[tweet_id]["inbound"] == "False":
            conv["answers"].append(when(rows[tweet_id]))
    for conv in out.values():
        conv["opened"] = min(conv["times"])
    return out


def lower_median_bucket(values: list[float]) -> int:
    """The lower median, rounded down as the reports document: to the second below a minute,
    10 s below 10 minutes, the minute below an hour, 10 minutes below a day, the hour above."""
    s = int(sorted(values)[(len(values) - 1) // 2])
    step = 1 if s < 60 else 10 if s < 600 else 60 if s < 3600 else 600 if s < 86400 else 3600
    return s // step * step


def expected(path: Path, tmp_path: Path) -> dict[str, dict]:
    rows = rows_of(path)
    per_brand = {b: conversations(brand_rows(rows, b), tmp_path / f"{b}.csv") for b in BRANDS}
    customers = defaultdict(list)
    for brand, convs in per_brand.items():
        for conv in convs.values():
            customers[conv["customer"]].append((conv["opened"], brand))
    repeats = {b: {"repeat_72h": 0, "repeat_7d": 0, "repeat_30d": 0} for b in BRANDS}
    for opened in customers.values():
        opened.sort()
        for (before, _), (at, brand) in zip(opened, opened[1:], strict=False):
            gap = (at - before).total_seconds()
            for key, limit in (("repeat_72h", H72), ("repeat_7d", D7), ("repeat_30d", D30)):
                repeats[brand][key] += gap <= limit
    out = {}
    for brand, convs in per_brand.items():
        waits = [max(0.0, (min(c["answers"]) - c["opened"]).total_seconds()) for c in convs.values() if c["answers"]]
        out[brand] = {"conversations": len(convs), "first_responses": len(waits),
                      "first_response_mean_seconds": round(sum(waits) / len(waits), 1),
                      "first_response_median_seconds": lower_median_bucket(waits), **repeats[brand]}
    return out


@pytest.fixture
def brand_channels(make_channel):
    return {b: make_channel("twitter", {"user_id": f"90{i}", "screen_name": b, "consumer_key": "ck",
                                        "consumer_secret": f"secret-{i}", "access_token": "at",
                                        "access_token_secret": "ats"}, name=f"@{b}")
            for i, b in enumerate(BRANDS)}


def test_replayed_figures_per_brand_equal_a_plain_recount(live_server, api, brand_channels, tmp_path):
    path = shared_data("twcs", "twcs_head_1000rows.csv")
    want = expected(path, tmp_path)
    # enough data to mean something
    assert sum(w["first_responses"] for w in want.values()) >= 50 and sum(w["repeat_7d"] for w in want.values()) >= 3
    for brand, channel in brand_channels.items():
        call_command("replay_twcs", str(path), "--channel", str(channel.pk), "--url", live_server.url,
                     "--brand", brand, stdout=StringIO())
    period = "since=2010-01-01&until=2018-12-31"  # the sample reaches back to 2016
    for brand, channel in brand_channels.items():
        (res,) = api.get(f"/api/v1/reports/resolution?{period}&channel={channel.pk}").json()["rows"]
        (rep,) = api.get(f"/api/v1/reports/repeat-contacts?{period}&channel={channel.pk}").json()["rows"]
        got = {"conversations": res["conversations"], "first_responses": res["first_responses"],
               "first_response_mean_seconds": res["first_response_mean_seconds"],
               "first_response_median_seconds": res["first_response_median_seconds"],
               **{k: rep[k] for k in ("repeat_72h", "repeat_7d", "repeat_30d")}}
        assert got == want[brand], brand
