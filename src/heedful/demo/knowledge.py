"""Demo help centre: a few published articles, so /help/ and suggestions have answers to show."""

from __future__ import annotations

from django.db import transaction

from heedful.knowledge import actions
from heedful.knowledge.models import Article

ARTICLES = [
    ("Orders and delivery", "Where is my order?",
     "Most orders arrive within **3 to 5 working days**.\n\n"
     "- Track your parcel from the link in your dispatch email.\n"
     "- If the tracking has not moved for 5 days, reply to that email and we will chase the courier.\n"
     "- Parcels marked delivered but not received: check with neighbours, then tell us within 14 days."),
    ("Orders and delivery", "Returning an item",
     "You can return most items within **30 days** of delivery.\n\n"
     "1. Open *My orders* and choose **Return an item**.\n"
     "2. Print the prepaid label, or show the QR code at a drop-off point.\n"
     "3. Your refund is paid to the original payment method within 5 days of the item reaching us."),
    ("Account and billing", "Resetting your password",
     "Choose **Forgot password** on the login page and enter your email address.\n\n"
     "The reset link is valid for one hour. No email? Check your spam folder, then ask us to resend it."),
    ("Account and billing", "I was charged twice",
     "A second charge is usually a **pending authorisation** that drops off within 3 working days.\n\n"
     "If both charges are still there after 3 days, send us the dates and amounts and we will refund the duplicate."),
]


def seed_articles(author) -> int:
    """Publish the demo articles that are not there yet; returns how many were created."""
    created = 0
    for category, title, body in ARTICLES:
        if Article.objects.filter(title=title).exists():
            continue
        with transaction.atomic():
            actions.create_article(author, title=title, body=body, category=category, publish=True)
        created += 1
    return created
