"""The conversation page: thread, side panel, long threads, escaping and attachments."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from heedful.contacts.actions import resolve_identity
from heedful.conversations import actions
from heedful.conversations.models import Attachment, Conversation, Direction, Message
from heedful.web import timeline
from tests.web.conftest import login, post_api_message, post_social_message


@pytest.fixture
def page(client, agent_a):
    return login(client, agent_a)


def test_thread_shows_messages_notes_and_delivery(page, conversation_a, agent_a, brand):
    page.post(f"/conversations/{conversation_a.pk}/reply/", {"text": "We are on it"})
    page.post(f"/conversations/{conversation_a.pk}/note/", {"text": "Checked the warehouse"})
    html = page.get(f"/conversations/{conversation_a.pk}/").content.decode()
    first, reply, note = (html.index(s) for s in ("My parcel never arrived", "We are on it", "Checked the warehouse"))
    assert first < reply < note
    assert 'class="msg-status status-sent"' in html and "Private note" in html
    assert "Reply on Shop app (API)" in html and "This reply is public" not in html


TEAM_B_PATHS = [
    "/conversations/{b}/", "/conversations/{b}/older/", "/conversations/{b}/chrome/",
    "/conversations/{b}/messages/{m}/", "/inbox/rows/{b}/",
]
TEAM_B_POSTS = ["reply", "note", "resolve", "reopen", "snooze", "assign", "team", "priority", "labels",
                "move-to-private", "merge", "typing"]


def test_team_b_conversation_is_404_everywhere(page, client, conversation_b, agent_b):
    message = conversation_b.messages.get()
    note = actions.add_note(agent_b, conversation_b, "B's private thoughts")
    for path in TEAM_B_PATHS + ["/conversations/{b}/notes/{n}/"]:
        assert page.get(path.format(b=conversation_b.pk, m=message.pk, n=note.pk)).status_code == 404, path
    for command in TEAM_B_POSTS:
        response = page.post(f"/conversations/{conversation_b.pk}/{command}/", {"text": "x", "for": "1h"},
                             HTTP_HX_REQUEST="true")
        assert response.status_code == 404, command
    conversation_b.refresh_from_db()
    assert conversation_b.status == "open" and conversation_b.messages_count == 1
    assert conversation_b.notes.count() == 1


def test_message_of_another_conversation_is_404(page, conversation_a, conversation_b):
    other = conversation_b.messages.get()
    assert page.get(f"/conversations/{conversation_a.pk}/messages/{other.pk}/").status_code == 404


def test_note_partial(page, conversation_a, conversation_b, agent_a, agent_b):
    mine = actions.add_note(agent_a, conversation_a, "Called the courier")
    theirs = actions.add_note(agent_b, conversation_b, "elsewhere")
    response = page.get(f"/conversations/{conversation_a.pk}/notes/{mine.pk}/")
    assert response.status_code == 200 and b"Called the courier" in response.content
    assert b"<html" not in response.content
    assert page.get(f"/conversations/{conversation_a.pk}/notes/{theirs.pk}/").status_code == 404


def test_side_panel_shows_cross_channel_history_and_reach(page, client, channel_a, social_channel, agent_a):
    post_api_message(client, channel_a, "Where is my order?", sender="u-9", name="Cross Channel")
    api_conversation = Conversation.objects.get(channel=channel_a)
    post_social_message(client, social_channel, "Still no answer about my order!", sender="tw-9",
                        name="Cross Channel", username="cross", followers=25400)
    social_conversation = Conversation.objects.get(channel=social_channel)
    # the same customer: link the Twitter identity to the API contact (what an identity merge does)
    social_conversation.contact.identities.update(contact=api_conversation.contact)
    Conversation.objects.filter(pk=social_conversation.pk).update(contact=api_conversation.contact)
    api_conversation.contact.followers_count = 25400
    api_conversation.contact.save()
    html = page.get(f"/conversations/{api_conversation.pk}/").content.decode()
    side = html[html.index('id="conv-side"'):]
    assert "25.4k followers" in side and "@cross" in side
    assert f'/conversations/{social_conversation.pk}/' in side and "Still no answer" in side
    assert side.count("history-item") == 2 and "is-open" in side


def test_public_conversation_warns_and_counts(page, client, social_channel):
    post_social_message(client, social_channel, "Your app deleted my photos")
    conversation = Conversation.objects.get(channel=social_channel)
    html = page.get(f"/conversations/{conversation.pk}/").content.decode()
    assert "This reply is public on Twitter/X" in html
    assert 'data-max="280"' in html and "/ 280" in html
    assert "Move to private" in html and "Reply publicly" in html


def test_long_thread_shows_newest_page_and_loads_older_by_keyset(page, conversation_a, agent_a):
    start = conversation_a.messages.get().sent_at + timedelta(seconds=1)
    Message.objects.bulk_create([
        Message(conversation=conversation_a, channel_id=conversation_a.channel_id, direction=Direction.IN,
                author_name="Carla", text=f"line {i:04d}", display_text=f"line {i:04d}",
                sent_at=start + timedelta(seconds=i // 2))  # pairs share a timestamp
        for i in range(250)
    ])
    with CaptureQueriesContext(connection) as queries:
        html = page.get(f"/conversations/{conversation_a.pk}/").content.decode()
    assert len(queries) < 40
    size = timeline.PAGE_SIZE
    assert re.findall(r"line (\d{4})", html) == [f"{i:04d}" for i in range(250 - size, 250)]
    pages, first_older = [html], None
    while (older := re.search(r'hx-get="(/conversations/\d+/older/\?before=[^"]+)"', pages[-1])) is not None:
        first_older = first_older or older.group(1)
        pages.append(page.get(older.group(1)).content.decode())
    shown = [re.findall(r"line (\d{4})", p) for p in pages]
    assert all(len(lines) <= size for lines in shown) and len(pages) == -(-251 // size)
    assert [line for lines in reversed(shown) for line in lines] == [f"{i:04d}" for i in range(250)]
    assert "My parcel never arrived" in pages[-1]
    # without JavaScript the same cursor works on the page itself
    assert f"line {250 - size - 1:04d}" in page.get(first_older.replace("/older/", "/")).content.decode()


XSS = '<img src=x onerror=alert(1)> <script>alert(2)</script> javascript:alert(3) "quoted"'


def test_customer_text_is_escaped_everywhere(page, client, channel_a, agent_a):
    post_api_message(client, channel_a, XSS, name='<b onmouseover="alert(4)">Eve</b>')
    conversation = Conversation.objects.get(channel=channel_a)
    message = conversation.messages.get()
    for url in ("/inbox/", f"/inbox/rows/{conversation.pk}/", f"/conversations/{conversation.pk}/",
                f"/conversations/{conversation.pk}/messages/{message.pk}/", f"/conversations/{conversation.pk}/chrome/"):
        html = page.get(url).content.decode()
        assert "<img src=x" not in html and "<script>alert" not in html and "<b onmouseover" not in html, url
        assert 'href="javascript:' not in html.lower(), url
    html = page.get(f"/conversations/{conversation.pk}/").content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;b onmouseover=" in html


def test_note_mentions_are_escaped_and_highlighted(page, conversation_a, agent_a):
    page.post(f"/conversations/{conversation_a.pk}/note/", {"text": "<i>hi</i> @abe please check"})
    html = page.get(f"/conversations/{conversation_a.pk}/").content.decode()
    assert "&lt;i&gt;hi&lt;/i&gt;" in html and '<span class="mention">@abe</span>' in html


def test_email_html_is_resanitised_inside_a_sandboxed_frame(page, conversation_a):
    Message.objects.filter(conversation=conversation_a).update(
        html='<p onclick="x()">Hello <b>there</b></p><script>alert(1)</script><img src="https://tracker.example/p.gif">'
             '<a href="javascript:alert(1)">click</a>')
    html = page.get(f"/conversations/{conversation_a.pk}/").content.decode()
    frame = re.search(r'<iframe sandbox="" srcdoc="([^"]*)"', html)
    assert frame, "the HTML body is framed with an empty sandbox"
    srcdoc = frame.group(1)
    assert "&lt;b&gt;there&lt;/b&gt;" in srcdoc
    assert "&lt;script" not in srcdoc and "alert(1)" not in srcdoc
    assert "onclick" not in srcdoc and "javascript:" not in srcdoc
    assert "default-src &#x27;none&#x27;" in srcdoc  # remote images (trackers) blocked by the frame CSP


@pytest.fixture
def stored_attachments(conversation_a):
    message = conversation_a.messages.get()
    picture = Attachment(message=message, filename="photo.png", content_type="image/png", size=4)
    picture.file.save("photo.png", ContentFile(b"\x89PNG"), save=True)
    page_file = Attachment(message=message, filename="evil.html", content_type="text/html", size=30)
    page_file.file.save("evil.html", ContentFile(b"<script>alert(1)</script>"), save=True)
    remote = Attachment.objects.create(message=message, filename="link.bin", remote_url="javascript:alert(1)")
    return picture, page_file, remote


def test_attachments_are_gated_and_never_run_as_pages(page, client, conversation_a, stored_attachments, agent_b):
    picture, page_file, _ = stored_attachments
    html = page.get(f"/conversations/{conversation_a.pk}/").content.decode()
    assert f"/attachments/{picture.pk}/" in html and "javascript:alert" not in html
    image = page.get(f"/attachments/{picture.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    download = page.get(f"/attachments/{page_file.pk}/")
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")
    login(client, agent_b)
    assert client.get(f"/attachments/{picture.pk}/").status_code == 404


def test_canned_responses_are_filled_in(page, conversation_a, agent_a, teams):
    from heedful.conversations.models import CannedResponse

    CannedResponse.objects.create(title="Sorry", text="Hi {{customer.first_name}}, {{agent.name}} here. {{unknown.x}}")
    CannedResponse.objects.create(title="Team B only", text="secret", team=teams[1])
    html = page.get(f"/conversations/{conversation_a.pk}/").content.decode()
    assert 'data-text="Hi Carla, Ann here. {{unknown.x}}"' in html
    assert "Team B only" not in html


def test_contact_identities_listed(page, conversation_a):
    identity = resolve_identity("email", "Carla@Example.com", display_name="Carla")
    identity.contact = conversation_a.contact
    identity.save()
    html = page.get(f"/conversations/{conversation_a.pk}/").content.decode()
    assert "carla@example.com" in html and "Email" in html


def test_merged_conversation_points_to_its_target(page, client, channel_a, agent_a):
    post_api_message(client, channel_a, "First", thread="one")
    post_api_message(client, channel_a, "Second", thread="two")
    first, second = Conversation.objects.order_by("pk")
    html = page.get(f"/conversations/{second.pk}/").content.decode()
    assert f'<option value="{first.pk}">' in html
    response = page.post(f"/conversations/{second.pk}/merge/", {"target": first.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == f"/conversations/{first.pk}/"
    first.refresh_from_db()
    assert first.messages_count == 2
    assert "was merged into" in page.get(f"/conversations/{second.pk}/").content.decode()
