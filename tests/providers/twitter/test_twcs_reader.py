"""Reading the Customer Support on Twitter CSV in both its LF and pandas (CRLF, float id) forms."""

import csv
import io
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.channels.providers.twitter import twcs
from heedful.channels.providers.twitter.activity import parse_payload

from .conftest import FIXTURES

SMALL = FIXTURES / "twcs_small.csv"
ACCOUNT = twcs.Account(user_id="4000", screen_name="heedfulhelp")


def pandas_form(rows: list[dict]) -> str:
    """What pandas' to_csv writes on Windows-style settings: CRLF everywhere, ids as floats."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=twcs.COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        parent = row["in_response_to_tweet_id"]
        writer.writerow({**row, "text": row["text"].replace("\n", "\r\n"),
                         "in_response_to_tweet_id": f"{parent}.0" if parent else ""})
    return out.getvalue()


def lf_rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_reads_the_original_form():
    tweets = {t.tweet_id: t for t in twcs.read(SMALL)}
    assert len(tweets) == 11
    first = tweets["1"]
    assert first.inbound and first.author_id == "501" and first.in_response_to == ""
    assert first.response_ids == ("2", "9")
    assert first.created_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert tweets["3"].text == "@HeedfulHelp order A-981.\nThanks for looking"
    assert not tweets["2"].inbound and tweets["2"].in_response_to == "1"


def test_reads_the_pandas_form_identically(tmp_path):
    path = tmp_path / "pandas.csv"
    path.write_bytes(pandas_form(lf_rows(SMALL)).encode())
    assert b"\r\n" in path.read_bytes() and b"1.0" in path.read_bytes()
    assert twcs.read(path) == twcs.read(SMALL)


def test_rejects_a_file_without_the_columns(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("id,text\n1,hello\n")
    with pytest.raises(ValueError, match="missing columns"):
        twcs.read(path)


@pytest.mark.parametrize("raw, clean", [("3.0", "3"), ("3", "3"), ("", ""), ("nan", ""),
                                         (" 119239 ", "119239"), ("1.5e3", "1500")])
def test_clean_id(raw, clean):
    assert twcs.clean_id(raw) == clean


row_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60) | st.lists(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20), min_size=2, max_size=3
).map("\n".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), row_text, st.integers(0, 10**6)), min_size=1, max_size=8))
def test_both_forms_round_trip(tmp_path_factory, rows):
    directory = tmp_path_factory.mktemp("twcs")
    records = [{"tweet_id": str(i + 1), "author_id": str(500 + i) if inbound else "Brand",
                "inbound": str(inbound), "created_at": "Tue Oct 31 22:10:47 +0000 2017",
                "text": text, "response_tweet_id": "", "in_response_to_tweet_id": str(i) if i else ""}
               for i, (inbound, text, _) in enumerate(rows)]
    lf = directory / "lf.csv"
    with open(lf, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=twcs.COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    crlf = directory / "crlf.csv"
    crlf.write_bytes(pandas_form(records).encode())
    expected = [(r["tweet_id"], r["text"].replace("\r\n", "\n"), r["in_response_to_tweet_id"]) for r in records]
    for path in (lf, crlf):
        assert [(t.tweet_id, t.text, t.in_response_to) for t in twcs.read(path)] == expected


def test_chains_keep_parents_before_replies():
    chains = twcs.chains(twcs.read(SMALL))
    assert [[t.tweet_id for t in chain] for chain in chains] == [
        ["1", "2", "3", "9"], ["4", "5"], ["6", "7"], ["8", "10"], ["11"]]


def test_brand_filter_keeps_only_that_brands_chains():
    tweets = twcs.read(SMALL)
    assert sorted(int(t.tweet_id) for t in twcs.for_brand(tweets, "HeedfulHelp")) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert sorted(int(t.tweet_id) for t in twcs.for_brand(tweets, "otherco")) == [8, 10, 11]


def test_payloads_parse_back_to_the_same_tweets():
    tweets = twcs.read(SMALL)
    by_id = {t.tweet_id: t for t in tweets}
    for tweet in tweets:
        [message] = parse_payload(twcs.payload(tweet, by_id, ACCOUNT), ACCOUNT.user_id).messages
        assert message.provider_message_id == tweet.tweet_id
        assert message.text == tweet.text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        assert message.direction == ("in" if tweet.inbound else "out")
        assert message.sent_at == tweet.created_at
        assert message.reply_to_ids == ([tweet.in_response_to] if tweet.in_response_to else [])
        if tweet.inbound:
            assert message.sender.handle == tweet.author_id
            assert message.sender.username == f"customer{tweet.author_id}"
        else:
            assert message.sender.handle == "4000"
    long = twcs.payload(by_id["5"], by_id, ACCOUNT)["tweet_create_events"][0]
    assert long["truncated"] is True and len(long["text"]) == 140
    assert long["in_reply_to_user_id_str"] == "501"


BROKEN = (
    ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"  # index column
    '0,1.0,501,True,Tue Oct 31 22:10:47 +0000 2017,"@Brand my parcel",2,\n'
    "1,2.0,Brand,False,Tue Oct 31 22:11:47 +0000 2017,@501 sorry\r about that,,1.0\n"  # bare CR, unquoted
    "2,3,502,True,not a date,hello,,\n"  # malformed: no time
    "3,4,503,True\n"  # malformed: too few fields
    '4,5,504,True,Tue Oct 31 22:12:47 +0000 2017,"still here",,\n'
)


def test_malformed_records_are_skipped_with_their_line(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(BROKEN.encode())
    skipped: list[twcs.Skipped] = []
    tweets = twcs.read(path, skipped=skipped)
    assert [(t.tweet_id, t.text, t.in_response_to) for t in tweets] == [
        ("1", "@Brand my parcel", ""), ("2", "@501 sorry  about that", "1"), ("5", "still here", "")]
    assert [s.line for s in skipped] == [4, 5]
    assert "created_at" in skipped[0].reason and "fields" in skipped[1].reason
    with pytest.raises(ValueError, match="row 4"):
        twcs.read(path)  # strict: the first malformed record stops the read
