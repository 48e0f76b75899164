"""Articles in categories; every edit is a revision, and one revision at a time is published."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    position = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"  # never published: only agents see it
        PUBLISHED = "published"
        ARCHIVED = "archived"  # was published, taken down; its revisions stay

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    # Title and slug of the published revision (of the latest draft while never published).
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_revision = models.ForeignKey("ArticleRevision", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # Where the article came from, when an agent made it from a reply or a forum answer
    # ("message:123", "post:45"): a plain reference, since other apps' rows are not ours.
    source = models.CharField(max_length=40, blank=True, default="")
    views = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every change that alters the search index (publish, archive, an embedding
    # computed): each process compares it to rebuild its in-memory index.
    indexed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["status", "category"])]

    def __str__(self):
        return self.title

    @property
    def url(self) -> str:
        return f"/help/articles/{self.pk}-{self.slug}/"


class ArticleRevision(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()  # Markdown; rendered and sanitised on display (knowledge.markdown)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # float32 matrix (chunks x 384), row-major: the title and each paragraph embedded apart.
    # Computed after commit by the `heedful.knowledge.embed` job; null until then.
    embedding = models.BinaryField(null=True, blank=True)
    embedding_model = models.CharField(max_length=60, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="knowledge_revision_number")]
        ordering = ["article", "number"]


class ArticleVote(models.Model):
    """'Was this helpful?': one vote per article and visitor, or per forum member when signed in
    (a later vote replaces it)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    revision = models.ForeignKey(ArticleRevision, null=True, on_delete=models.SET_NULL, related_name="+")
    voter = models.CharField(max_length=64)  # digest of the visitor's session key, or of the member
    # A signed-in forum member's vote is theirs on every device (single sign-on with the forum).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    helpful = models.BooleanField()
    voted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "voter"], name="knowledge_one_vote")]


class ArticleViewDay(models.Model):
    """Views of an article per day, for reports (Article.views holds the running total)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="view_days")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "day"], name="knowledge_view_day")]


class SuggestionOpen(models.Model):
    """A customer opened a suggestion (an article or a solved topic) while writing a question.

    It is a deflection once the session is over without a conversation opened in it
    (`conversation_opened_at` stays null): see knowledge.deflection.
    """

    class Kind(models.TextChoices):
        ARTICLE = "article"
        TOPIC = "topic"

    session = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    item_id = models.BigIntegerField()
    query = models.CharField(max_length=200, blank=True, default="")
    surface = models.CharField(max_length=20, blank=True, default="")  # "widget", "new-topic", "help"
    opened_at = models.DateTimeField(db_index=True)
    conversation_opened_at = models.DateTimeField(null=True, blank=True)
    # Set when the session's window closed (knowledge.actions.settle_deflections); a settled
    # session without a conversation was reported as one deflection.
    settled_at = models.DateTimeField(null=True, blank=True, db_index=True)
