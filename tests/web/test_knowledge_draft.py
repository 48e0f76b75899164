"""An agent turns a reply into a draft help-centre article in two clicks."""

from __future__ import annotations

import pytest

from heedful.knowledge.models import Article
from tests.web.conftest import login

pytestmark = pytest.mark.django_db


def _reply(page, conversation, text):
    page.post(f"/conversations/{conversation.pk}/reply/", {"text": text})
    return conversation.messages.get(direction="out")


def test_make_article_from_a_reply_in_two_clicks(client, agent_a, conversation_a, brand):
    page = login(client, agent_a)
    reply = _reply(page, conversation_a, "Parcels take 3 days; track them at the courier's site.")
    html = page.get(f"/conversations/{conversation_a.pk}/").content.decode()
    link = f'/conversations/{conversation_a.pk}/messages/{reply.pk}/article/'
    assert f'href="{link}" data-heedful="make-article"' in html  # click one
    form = page.get(link).content.decode()
    assert 'value="My parcel never arrived"' in form and "Parcels take 3 days" in form
    assert 'data-heedful="save-draft-article"' in form
    saved = page.post(link, {"title": "My parcel never arrived", "body": "Parcels take 3 days.",
                             "category": "From conversations"})  # click two
    assert saved.status_code == 302 and saved["Location"] == f"/conversations/{conversation_a.pk}/"
    article = Article.objects.get()
    assert article.status == "draft" and article.source == f"message:{reply.pk}"
    assert article.created_by == agent_a and article.revisions.get().body == "Parcels take 3 days."


def test_another_teams_message_cannot_become_an_article(client, agent_a, conversation_a, conversation_b, brand):
    page = login(client, agent_a)
    other = conversation_b.messages.get()
    for conversation in (conversation_a, conversation_b):
        path = f"/conversations/{conversation.pk}/messages/{other.pk}/article/"
        assert page.get(path).status_code == 404
        assert page.post(path, {"title": "Stolen", "body": "x"}).status_code == 404
    assert not Article.objects.exists()


def test_free_text_draft_form_for_forum_answers(client, agent_a, teams):
    page = login(client, agent_a)
    form = page.get("/knowledge/drafts/new/", {"title": "Reset the router", "body": "Hold the button 10 s.",
                                               "source": "post:12", "next": "//evil.example"}).content.decode()
    assert 'value="Reset the router"' in form and 'href="/inbox/"' in form
    assert 'name="source" value="post:12"' in form
    prefilled = page.post("/knowledge/drafts/new/", {"prefill": "1", "title": "Long answer", "body": "Step 1 ...",
                                                     "source": "post:13"})  # a button on the forum page
    assert prefilled.status_code == 200 and 'value="Long answer"' in prefilled.content.decode()
    assert not Article.objects.exists()
    page.post("/knowledge/drafts/new/", {"title": "Long answer", "body": "Step 1 ...", "source": "post:13"})
    page.post("/knowledge/drafts/new/", {"title": "Odd source", "body": "x", "source": "<b>:1"})
    assert dict(Article.objects.values_list("title", "source")) == {"Long answer": "post:13", "Odd source": ""}


def test_articles_for_the_customers_question_are_shown_beside_the_reply_box(client, agent_a, conversation_a,
                                                                          conversation_b):
    from django.db import transaction

    from heedful.knowledge import actions, search

    search.invalidate()
    with transaction.atomic():
        article = actions.create_article(agent_a, title="My parcel has not arrived",
                                         body="Parcels take 3 to 5 days; track yours from the dispatch email.",
                                         category="Delivery", publish=True)
    page = login(client, agent_a)
    html = page.get(f"/conversations/{conversation_a.pk}/").content.decode()
    assert f'hx-get="/conversations/{conversation_a.pk}/articles/"' in html
    partial = page.get(f"/conversations/{conversation_a.pk}/articles/").content.decode()
    assert f'href="{article.url}"' in partial and 'data-heedful="suggested-article"' in partial
    assert page.get(f"/conversations/{conversation_b.pk}/articles/").status_code == 404
    search.invalidate()
