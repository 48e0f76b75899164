"""Community figures for a period (topics posted in it): time to the first reply by another
member, the share unanswered, solved, and solved by a member rather than staff."""

from __future__ import annotations

import statistics
from datetime import datetime

from django.db.models import Min, OuterRef, Q, Subquery

from heedful.community.models import Category, Post, PostStatus, Topic


def community_report(since: datetime, until: datetime, *, category: str | None = None) -> dict:
    topics = Topic.objects.filter(created_at__gte=since, created_at__lt=until, visible=True,
                                  merged_into__isnull=True)
    if category:
        topics = topics.filter(category__slug=category)
    by_member = (Post.objects.filter(topic=OuterRef("pk"), number__gt=1, status=PostStatus.VISIBLE, staff=False)
                 .exclude(author_id=OuterRef("author_id")).values("topic")
                 .annotate(first=Min("created_at")).values("first"))
    rows = list(topics.annotate(member_reply_at=Subquery(by_member[:1]))
                .values("created_at", "member_reply_at", "first_reply_at", "accepted_post__staff"))
    total = len(rows)
    waits = [(r["member_reply_at"] - r["created_at"]).total_seconds() for r in rows if r["member_reply_at"]]
    solved = [r for r in rows if r["accepted_post__staff"] is not None]

    def share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "topics": total,
        "first_member_reply_median_seconds": round(statistics.median(waits)) if waits else None,
        "unanswered_rate": share(sum(1 for r in rows if r["first_reply_at"] is None), total),
        "solved_rate": share(len(solved), total),
        "solved_by_member_rate": share(sum(1 for r in solved if r["accepted_post__staff"] is False), len(solved)),
        "escalated": topics.filter(~Q(escalated_at=None)).count(),
    }


def by_category(since: datetime, until: datetime) -> list[dict]:
    """One row per category (slug order), then a row for all of them (`category` "*"); no
    rows at all for a desk without a forum."""
    rows = [{"category": slug, "name": name, **community_report(since, until, category=slug)}
            for slug, name in Category.objects.order_by("slug").values_list("slug", "name")]
    if not rows:
        return []
    rows.append({"category": "*", "name": "All categories", **community_report(since, until)})
    return rows
