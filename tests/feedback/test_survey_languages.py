"""The survey speaks the customer's language: the one recorded on the contact, else the one
routing detected in what they wrote; the bypass question names the channel and the day they left."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from heedful.contacts.models import Contact
from heedful.conversations.models import Conversation
from heedful.core.clock import now
from heedful.feedback import wording
from heedful.feedback.models import Survey, SurveyStatus
from tests.contacts.support import channel, ingest, message

pytestmark = pytest.mark.django_db

WRITTEN = {
    "en": ("My parcel never arrived and nobody answers my emails, what is going on?",
           "Why did you choose API today?", "How did we do?", "It is the fastest way"),
    "es": ("Mi paquete nunca llegó y nadie contesta mis correos, ¿qué está pasando?",
           "¿Por qué eligió API hoy?", "¿Qué tal le atendimos?", "Es la forma más rápida"),
    "fr": ("Mon colis n'est jamais arrivé et personne ne répond à mes messages, que se passe-t-il ?",
           "Pourquoi avez-vous choisi API aujourd&#x27;hui ?", "Votre avis sur notre aide",
           "C&#x27;est le moyen le plus rapide"),
    "de": ("Mein Paket ist nie angekommen und niemand beantwortet meine Nachrichten, was ist da los?",
           "Warum haben Sie heute API gewählt?", "Wie war unsere Hilfe?", "Es ist der schnellste Weg"),
}


def write_and_resolve(client, api, chan, sender, text) -> Survey:
    body = json.dumps({"id": f"m-{sender}", "from": {"id": sender, "name": sender}, "text": text})
    assert client.post(f"/hooks/api/{chan.pk}", body, content_type="application/json",
                       HTTP_AUTHORIZATION="Bearer inbound-api-token").status_code == 200
    conv = Conversation.objects.get(contact__identities__handle=sender)
    assert api.post(f"/api/v1/conversations/{conv.pk}/resolve").status_code == 200
    return Survey.objects.get(conversation=conv)


@pytest.mark.parametrize("language", sorted(WRITTEN))
def test_each_language_renders_from_what_the_customer_wrote(client, api, language):
    text, question, title, choice = WRITTEN[language]
    survey = write_and_resolve(client, api, channel("api"), f"cust-{language}", text)
    assert survey.status == SurveyStatus.SENT and survey.language == language
    sent = api.get(f"/api/v1/conversations/{survey.conversation_id}/messages").json()["results"][-1]
    opening = wording.TEXTS[language]["message"].split("{link}")[0]
    assert sent["text"].startswith(opening) and sent["text"].endswith(f"/s/{survey.token}")
    page = Client().get(f"/s/{survey.token}")
    body = page.content.decode()
    assert page.status_code == 200 and f'<html lang="{language}">' in body
    assert question in body and title in body and choice in body and "<script" not in body
    wrong = Client().post(f"/s/{survey.token}", {"csat": "7", "why": "fastest"})
    assert wrong.status_code == 400 and wording.TEXTS[language]["error_csat"].replace("'", "&#x27;") in wrong.content.decode()
    done = Client().post(f"/s/{survey.token}", {"csat": "4", "why": "fastest"})
    assert wording.TEXTS[language]["thanks"] in done.content.decode()


def test_the_contacts_recorded_language_wins_over_detection(client, api):
    chan = channel("api")
    Contact.objects.create(name="placeholder")  # ids differ from handles
    survey = write_and_resolve(client, api, chan, "jo", WRITTEN["en"][0])
    assert survey.language == "en"
    contact = Contact.objects.get(identities__handle="jo")
    assert api.patch(f"/api/v1/contacts/{contact.pk}", {"attributes": {"locale": "de_AT"}},
                     content_type="application/json").status_code == 200
    Survey.objects.all().delete()
    ingest(chan, message("api", "jo", "another question please", thread="again", sent_at=now()))
    again = Conversation.objects.filter(contact=contact).order_by("-pk").first()
    assert api.post(f"/api/v1/conversations/{again.pk}/resolve").status_code == 200
    assert Survey.objects.get(conversation=again).language == "de"


@pytest.mark.parametrize("language,sentence", [
    ("en", "You wrote to us by Email on {day}: why did you choose API today?"),
    ("es", "Nos escribió por Email el {day}: ¿por qué eligió API hoy?"),
    ("fr", "Vous nous avez écrit par Email {day} : pourquoi avez-vous choisi API aujourd&#x27;hui ?"),
    ("de", "Sie haben uns am {day} per Email geschrieben: Warum haben Sie heute API gewählt?"),
])
def test_the_bypass_question_names_the_channel_and_day_they_left(api, language, sentence):
    email, chat = channel("email"), channel("api")
    started = now() - timedelta(days=2)
    ingest(email, message("email", "ann@example.com", WRITTEN[language][0], sent_at=started))
    ann = Contact.objects.get(identities__handle="ann@example.com")
    ann.attributes = {"language": language}
    ann.save()
    ingest(chat, message("api", "ann-on-chat", "my email is ann@example.com", thread="chat", sent_at=now()))
    later = Conversation.objects.get(channel=chat)
    assert later.contact_id == ann.pk  # the address joined the chat to Ann
    assert api.post(f"/api/v1/conversations/{later.pk}/resolve").status_code == 200
    survey = Survey.objects.get(conversation=later)
    mail = Conversation.objects.get(channel=email)
    day = wording.weekday(language, mail.created_at.weekday())
    assert sentence.format(day=day) in Client().get(f"/s/{survey.token}").content.decode()


def test_every_language_has_every_sentence():
    keys = set(wording.TEXTS["en"])
    assert set(wording.LANGUAGES) >= {"en", "es", "fr", "de"}
    for language, texts in wording.TEXTS.items():
        assert set(texts) == keys, language
        assert len(wording.WEEKDAYS[language]) == 7
