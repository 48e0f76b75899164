"""Realistic demo conversations, generated (no real customer data is shipped)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class Story:
    subject: str
    opening: str
    agent_reply: str | None = None
    follow_up: str | None = None
    resolved: bool = False


CUSTOMERS = [
    ("Ann Kay", "ann.kay@example.com"), ("Bruno Díaz", "bruno.diaz@example.net"),
    ("Chen Wei", "chen.wei@example.org"), ("Dana Okafor", "dana.okafor@example.com"),
    ("Elif Şahin", "elif.sahin@example.net"), ("Farid Haddad", "farid@example.org"),
    ("Greta Lindqvist", "greta.l@example.com"), ("Hiro Tanaka", "hiro.tanaka@example.jp"),
    ("Ines Moreau", "ines.moreau@example.fr"), ("Jamal Carter", "jamal.c@example.com"),
    ("Katya Ivanova", "katya.iv@example.ru"), ("Liam O'Brien", "liam.obrien@example.ie"),
    ("Maya Patel", "maya.patel@example.in"), ("Noah Schmidt", "noah.schmidt@example.de"),
]

STORIES = [
    Story("Order #{n} never arrived",
          "Hi,\n\nI ordered a kettle on the 3rd and tracking has said 'out for delivery' for four days. "
          "I called twice and was told to wait. This is really frustrating, I need it this week.\n\n{name}",
          "Hi {first},\n\nI'm sorry about the wait. I've checked with the courier: the parcel was misrouted. "
          "I've sent a replacement by express, it arrives tomorrow.\n\nBest,\nSam",
          "Thank you, that's great news!", True),
    Story("Charged twice for my subscription",
          "Hello, my card was charged twice this month (two payments of 12.99). Can you refund one of them?\n\n{name}",
          "Hi {first}, you're right, a retry created a duplicate charge. The refund is on its way (3-5 days).",
          None, True),
    Story("Can't log in after password reset",
          "I reset my password and now the app says 'invalid token' every time. I've tried three times.\n\n{name}"),
    Story("Question about the warranty",
          "Hi there, does the 2-year warranty cover water damage on the X2 headphones?\n\nThanks, {name}",
          "Hi {first}, water damage isn't covered by the standard warranty, but our care plan covers it.",
          "Ok, how do I add the care plan to an existing order?"),
    Story("Terrible experience with your phone support",
          "I have now spent 2 hours on hold over three calls and nobody could tell me why my account is "
          "locked. This is unacceptable. If this isn't fixed today I'm cancelling.\n\n{name}"),
    Story("Invoice needed for order #{n}",
          "Could you send me a VAT invoice for order #{n}? Our company name is Lindqvist AB.\n\nRegards,\n{name}",
          "Hi {first}, the invoice is attached to your account page under Orders > Invoices.", None, True),
    Story("Love the new update!",
          "Just wanted to say the new dark mode is lovely. Great work team :)\n\n{name}", None, None, True),
    Story("Wrong size delivered",
          "I ordered a medium jacket and received a large. How do I swap it?\n\n{name}",
          "Hi {first}, sorry about that! I've emailed you a prepaid return label; the medium ships as soon as "
          "the scan shows up.", "Label printed, dropping it off today."),
]


def conversations(seed: int = 7, count: int = 24):
    """Yield (customer name, email, story, order number) tuples, deterministically."""
    rng = random.Random(seed)
    for i in range(count):
        name, email = CUSTOMERS[i % len(CUSTOMERS)]
        yield name, email, STORIES[(i * 5 + rng.randrange(3)) % len(STORIES)], 48000 + rng.randrange(1000)
