"""RSS 2.0 and Atom feeds of each category's newest topics."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from heedful.community import markdown, selectors
from heedful.community.models import Category, Topic


class CategoryFeed(Feed):
    def get_object(self, request, slug):
        return selectors.category(slug)

    def title(self, obj: Category):
        return f"{obj.name} \u2014 Community"

    def link(self, obj: Category):
        return f"/community/c/{obj.slug}/"

    def description(self, obj: Category):
        return obj.description or f"Newest topics in {obj.name}"

    def items(self, obj: Category):
        return selectors.latest_topics(obj, limit=30)

    def item_title(self, item: Topic):
        return item.title

    def item_description(self, item: Topic):
        # Plain text only: readers render descriptions as HTML.
        return markdown.plain_text(item.search_text)[:500]

    def item_link(self, item: Topic):
        return item.get_absolute_url()

    def item_pubdate(self, item: Topic):
        return item.created_at

    def item_updateddate(self, item: Topic):
        return item.last_posted_at


class CategoryAtomFeed(CategoryFeed):
    feed_type = Atom1Feed
    subtitle = CategoryFeed.description
