"""`heedful replay-twcs`: the TWCS CSV replayed over real HTTP into a live server.

Expected threads are computed here from the CSV rows, independently of the importer: a
customer tweet opens a conversation unless it answers a tweet that is already in one; every
other tweet joins the conversation of the tweet it answers; a brand tweet that answers nothing
stored is ignored (an echo outside any conversation).
"""

import csv
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.conftest import shared_data

from .conftest import BRAND, FIXTURES, messages_by_provider_id


def _id(value: str) -> str:
    value = value.strip()
    return value[:-2] if value.endswith(".0") else value


def expected_threads(path: Path) -> dict[str, str | None]:
    """tweet id -> id of the tweet that opened its conversation (None: not stored)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = {_id(r["tweet_id"]): r for r in csv.DictReader(handle)}
    opened_by: dict[str, str | None] = {}

    def thread_of(tweet_id: str) -> str | None:
        stack = [tweet_id]
        while stack:
            current = stack[-1]
            parent = _id(rows[current]["in_response_to_tweet_id"])
            if parent in rows and parent not in opened_by:
                stack.append(parent)
                continue
            stack.pop()
            inbound = rows[current]["inbound"] == "True"
            in_thread = opened_by.get(parent) if parent in rows else None
            opened_by[current] = in_thread or (current if inbound else None)
        return opened_by[tweet_id]

    for tweet_id in rows:
        thread_of(tweet_id)
    return opened_by


def inbound_flags(path: Path) -> dict[str, bool]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {_id(r["tweet_id"]): r["inbound"] == "True" for r in csv.DictReader(handle)}


@pytest.fixture
def brand_channel(make_channel):
    return make_channel("twitter", dict(BRAND), name="@heedfulhelp")


def replay(live_server, channel, path, *extra) -> str:
    out = StringIO()
    call_command("replay_twcs", str(path), "--channel", str(channel.pk), "--url", live_server.url,
                 *extra, stdout=out)
    return out.getvalue()


def assert_replayed(api, path: Path, opened_by: dict[str, str | None] | None = None) -> None:
    opened_by = opened_by if opened_by is not None else expected_threads(path)
    inbound = inbound_flags(path)
    messages = messages_by_provider_id(api)
    stored = {t for t, root in opened_by.items() if root is not None}
    assert set(messages) == stored
    conversation_of_root: dict[str, int] = {}
    for tweet_id in stored:
        message, root = messages[tweet_id], opened_by[tweet_id]
        assert message["direction"] == ("in" if inbound[tweet_id] else "out"), tweet_id
        assert conversation_of_root.setdefault(root, message["conversation"]) == message["conversation"]
    # one conversation per root, no two roots sharing one
    assert len(set(conversation_of_root.values())) == len(conversation_of_root)
    assert api.get("/api/v1/conversations").json()["count"] == len(conversation_of_root)


def test_small_file_threads_and_echoes(live_server, api, brand_channel):
    output = replay(live_server, brand_channel, FIXTURES / "twcs_small.csv")
    assert "sent 11, accepted 11 (duplicates 0), failed 0" in output
    opened_by = expected_threads(FIXTURES / "twcs_small.csv")
    assert opened_by == {"1": "1", "2": "1", "3": "1", "9": "1", "4": "4", "5": "4", "6": None,
                         "7": "7", "8": "8", "10": "8", "11": None}
    assert_replayed(api, FIXTURES / "twcs_small.csv", opened_by)
    messages = messages_by_provider_id(api)
    assert messages["4"]["text"] == "@HeedfulHelp also the app logs me out <every> time"
    assert messages["5"]["text"].endswith("pass it to the team straight away.")  # > 140 chars
    # The same customer's two separate tweets are two conversations.
    assert messages["1"]["conversation"] != messages["4"]["conversation"]

    again = replay(live_server, brand_channel, FIXTURES / "twcs_small.csv")
    assert "sent 11, accepted 11 (duplicates 11), failed 0" in again
    assert api.get("/api/v1/conversations").json()["count"] == 4


def test_brand_option_replays_only_that_brands_chains(live_server, api, brand_channel):
    output = replay(live_server, brand_channel, FIXTURES / "twcs_small.csv", "--brand", "OtherCo")
    assert "sent 3," in output
    messages = messages_by_provider_id(api)
    assert set(messages) == {"8", "10"}
    assert messages["10"]["direction"] == "out"


def test_failures_are_counted_and_fail_the_command(db, brand_channel):
    with pytest.raises(CommandError, match="failed 11"):
        call_command("replay_twcs", str(FIXTURES / "twcs_small.csv"), "--url", "http://127.0.0.1:9",
                     stdout=StringIO(), stderr=StringIO())


def test_channel_is_required_when_ambiguous(db, make_channel):
    make_channel("twitter", dict(BRAND))
    make_channel("twitter", dict(BRAND))
    with pytest.raises(CommandError, match="more than one twitter channel"):
        call_command("replay_twcs", str(FIXTURES / "twcs_small.csv"))


def test_console_script_accepts_the_hyphenated_name():
    script = Path(sys.executable).with_name("heedful")
    result = subprocess.run([str(script), "replay-twcs", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--concurrency" in result.stdout


def parallel_senders() -> str:
    """Chains are independent, so parallel senders are safe where the database allows it (the
    in-memory SQLite test database is one connection shared by the live server's threads)."""
    return "4" if connection.vendor == "postgresql" else "1"


@pytest.mark.slow
def test_kaggle_sample_replay(live_server, api, brand_channel):
    path = shared_data("twcs", "kaggle_official_sample_93rows.csv")
    output = replay(live_server, brand_channel, path, "--concurrency", parallel_senders())
    assert "sent 93, accepted 93" in output
    assert_replayed(api, path)


@pytest.mark.slow
def test_head_1000_rows_replay(live_server, api, brand_channel):
    path = shared_data("twcs", "twcs_head_1000rows.csv")
    # About 10 s on SQLite and 20-30 s on PostgreSQL on an idle 2-core machine; no wall-clock
    # assertion here, a busy CI machine would make it flaky.
    output = replay(live_server, brand_channel, path, "--concurrency", parallel_senders())
    assert "sent 1000, accepted 1000 (duplicates 0), failed 0" in output
    assert_replayed(api, path)


def test_a_broken_record_is_skipped_and_reported(live_server, api, brand_channel, tmp_path):
    from tests.providers.twitter.test_twcs_reader import BROKEN

    path = tmp_path / "broken.csv"
    path.write_bytes(BROKEN.encode())
    err = StringIO()
    out = StringIO()
    call_command("replay_twcs", str(path), "--channel", str(brand_channel.pk), "--url", live_server.url,
                 stdout=out, stderr=err)
    assert "sent 3, accepted 3" in out.getvalue()
    assert "2 malformed record(s) skipped (lines 4, 5)" in out.getvalue()
    assert "skipped line 4:" in err.getvalue()
    with pytest.raises(CommandError, match="row 4"):
        call_command("replay_twcs", str(path), "--channel", str(brand_channel.pk), "--url", live_server.url,
                     "--strict", stdout=StringIO())
