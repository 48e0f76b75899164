"""Demo tweets in the Customer-Support-on-Twitter CSV form, replayed by `heedful replay-twcs`.

The text is written for the demo (no real customer data ships). Times are recent, so the
conversations show up at the top of the inbox.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

BRAND = "HeedfulDemo"
THREADS = [
    ["@HeedfulDemo third time calling about my broken fridge and still no engineer. Two hours on hold. Done with you.",
     "@{c} We're really sorry. That's not the service we want you to have. Could you DM us your order number?",
     "@HeedfulDemo sent it in DM. Please actually fix it this time."],
    ["@HeedfulDemo your app logs me out every 5 minutes since the update 😡",
     "@{c} Thanks for flagging, a fix is rolling out today. Updating to 4.2.1 solves it.",
     "@HeedfulDemo updated, works now, thanks!"],
    ["@HeedfulDemo is there an outage? Nothing loads in Berlin",
     "@{c} Yes, we had a network issue in Frankfurt between 09:10 and 09:40. Everything should be back now."],
    ["@HeedfulDemo emailed support a week ago about a refund and nobody replied. Maybe Twitter works better?"],
    ["@HeedfulDemo the delivery driver left my parcel in the rain, everything is soaked #notimpressed"],
    ["@HeedfulDemo love the new dark mode ❤️",
     "@{c} Thank you! We'll pass it on to the team 🙌"],
    ["@HeedfulDemo how do I change the email address on my account?",
     "@{c} Settings > Account > Email. You'll get a confirmation link at the new address.",
     "@HeedfulDemo found it, cheers"],
    ["@HeedfulDemo charged twice for the same order!!! give me my money back"],
]


def write_csv(path: Path, now: datetime | None = None) -> Path:
    """Write the demo threads as TWCS rows (customer ids 5001.., brand replies in between)."""
    now = now or timezone.now()
    rows, next_id = [], 9_000_001
    for index, thread in enumerate(THREADS):
        customer = str(5001 + index)
        when = now - timedelta(hours=len(THREADS) - index, minutes=7 * index)
        previous = ""
        for turn, text in enumerate(thread):
            inbound = turn % 2 == 0
            tweet_id = str(next_id)
            next_id += 1
            rows.append({
                "tweet_id": tweet_id, "author_id": customer if inbound else BRAND, "inbound": str(inbound),
                "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"),
                "text": text.format(c=f"customer{customer}"), "response_tweet_id": "",
                "in_response_to_tweet_id": previous,
            })
            previous, when = tweet_id, when + timedelta(minutes=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
