"""What the customer reads, in their language: the survey message and the survey page.

A small catalogue instead of gettext: four languages and a dozen sentences, reviewed in one
file, nothing to compile (so no `msgfmt` in CI and nothing binary to keep reproducible). Every
language has every key; `tests/feedback/test_survey_languages.py` checks that and renders each.
"""

from __future__ import annotations

DEFAULT = "en"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "message": "Thanks for getting in touch. Two quick questions about how we did: {link}",
        "title": "How did we do?",
        "csat": "How satisfied are you with the help you got? (1 = not at all, 5 = very)",
        "why": "Why did you choose {channel} today?",
        "why_after": "You wrote to us by {left} on {day}: why did you choose {channel} today?",
        "why_after_undated": "You wrote to us by {left}: why did you choose {channel} today?",
        "more": "Anything else? (optional)",
        "send": "Send",
        "thanks": "Thank you — your answers help us get better.",
        "error_csat": "Please choose a score from 1 to 5.",
        "error_why": "Please choose one of the reasons.",
        "error_answered": "This survey was already answered.",
        "fastest": "It is the fastest way",
        "other_channel_no_answer": "Another channel did not answer",
        "tried_before_not_resolved": "I tried before and it was not solved",
        "prefer_writing": "I prefer writing",
        "public_visibility": "I wanted it to be seen publicly",
        "usual_channel": "It is the channel I usually use",
        "other": "Other",
    },
    "es": {
        "message": "Gracias por contactarnos. Dos preguntas rápidas sobre nuestra atención: {link}",
        "title": "¿Qué tal le atendimos?",
        "csat": "¿Qué tan satisfecho está con la ayuda que recibió? (1 = nada, 5 = mucho)",
        "why": "¿Por qué eligió {channel} hoy?",
        "why_after": "Nos escribió por {left} el {day}: ¿por qué eligió {channel} hoy?",
        "why_after_undated": "Nos escribió por {left}: ¿por qué eligió {channel} hoy?",
        "more": "¿Algo más? (opcional)",
        "send": "Enviar",
        "thanks": "Gracias: sus respuestas nos ayudan a mejorar.",
        "error_csat": "Elija una puntuación del 1 al 5.",
        "error_why": "Elija uno de los motivos.",
        "error_answered": "Esta encuesta ya fue respondida.",
        "fastest": "Es la forma más rápida",
        "other_channel_no_answer": "Otro canal no respondió",
        "tried_before_not_resolved": "Lo intenté antes y no se resolvió",
        "prefer_writing": "Prefiero escribir",
        "public_visibility": "Quería que se viera públicamente",
        "usual_channel": "Es el canal que uso normalmente",
        "other": "Otro motivo",
    },
    "fr": {
        "message": "Merci de nous avoir contactés. Deux questions rapides sur notre réponse : {link}",
        "title": "Votre avis sur notre aide",
        "csat": "Êtes-vous satisfait de l'aide reçue ? (1 = pas du tout, 5 = très)",
        "why": "Pourquoi avez-vous choisi {channel} aujourd'hui ?",
        "why_after": "Vous nous avez écrit par {left} {day} : pourquoi avez-vous choisi {channel} aujourd'hui ?",
        "why_after_undated": "Vous nous avez écrit par {left} : pourquoi avez-vous choisi {channel} aujourd'hui ?",
        "more": "Autre chose ? (facultatif)",
        "send": "Envoyer",
        "thanks": "Merci, vos réponses nous aident à nous améliorer.",
        "error_csat": "Choisissez une note de 1 à 5.",
        "error_why": "Choisissez l'une des raisons.",
        "error_answered": "Ce questionnaire a déjà reçu une réponse.",
        "fastest": "C'est le moyen le plus rapide",
        "other_channel_no_answer": "Un autre canal n'a pas répondu",
        "tried_before_not_resolved": "J'ai déjà essayé et ce n'était pas résolu",
        "prefer_writing": "Je préfère écrire",
        "public_visibility": "Je voulais que ce soit visible publiquement",
        "usual_channel": "C'est le canal que j'utilise d'habitude",
        "other": "Autre",
    },
    "de": {
        "message": "Danke für Ihre Nachricht. Zwei kurze Fragen zu unserer Antwort: {link}",
        "title": "Wie war unsere Hilfe?",
        "csat": "Wie zufrieden sind Sie mit der Hilfe, die Sie bekommen haben? (1 = gar nicht, 5 = sehr)",
        "why": "Warum haben Sie heute {channel} gewählt?",
        "why_after": "Sie haben uns am {day} per {left} geschrieben: Warum haben Sie heute {channel} gewählt?",
        "why_after_undated": "Sie haben uns per {left} geschrieben: Warum haben Sie heute {channel} gewählt?",
        "more": "Noch etwas? (optional)",
        "send": "Senden",
        "thanks": "Danke – Ihre Antworten helfen uns, besser zu werden.",
        "error_csat": "Bitte wählen Sie eine Bewertung von 1 bis 5.",
        "error_why": "Bitte wählen Sie einen der Gründe.",
        "error_answered": "Diese Umfrage wurde schon beantwortet.",
        "fastest": "Es ist der schnellste Weg",
        "other_channel_no_answer": "Ein anderer Kanal hat nicht geantwortet",
        "tried_before_not_resolved": "Ich habe es schon versucht, aber es wurde nicht gelöst",
        "prefer_writing": "Ich schreibe lieber",
        "public_visibility": "Es sollte öffentlich sichtbar sein",
        "usual_channel": "Das ist der Kanal, den ich sonst auch nutze",
        "other": "Anderes",
    },
}

# Monday first, as `datetime.weekday()` counts.
WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
LANGUAGES = tuple(TEXTS)


def supported(code: str) -> str:
    """The catalogue language for an ISO code or a locale ("es-MX", "fr_CA"), or ""."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in TEXTS else ""


def texts(language: str) -> dict[str, str]:
    return TEXTS.get(language) or TEXTS[DEFAULT]


def weekday(language: str, day: int) -> str:
    return (WEEKDAYS.get(language) or WEEKDAYS[DEFAULT])[day]
