"""Messages stored before `inbound_event_id` existed: read the link from each event's outcome
(its `result["created"]` list of message ids) once, so erasure never has to parse it again."""

from django.db import migrations


def backfill(apps, schema_editor):
    InboundEvent = apps.get_model("ingestion", "InboundEvent")
    Message = apps.get_model("conversations", "Message")
    events = InboundEvent.objects.exclude(result={}).values_list("pk", "result")
    for event_id, result in events.iterator(chunk_size=2000):
        created = (result or {}).get("created") or []
        if created:
            Message.objects.filter(pk__in=created, inbound_event_id__isnull=True).update(inbound_event_id=event_id)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0006_message_inbound_event_id"),
        ("ingestion", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
