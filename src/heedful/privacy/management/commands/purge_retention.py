"""`heedful purge-retention`: blank message bodies older than each channel's retention period."""

from django.core.management.base import BaseCommand

from heedful.channels.models import Channel
from heedful.privacy import retention


class Command(BaseCommand):
    help = "Blank message bodies older than each channel's retention_days (rows and totals stay)."

    def handle(self, *args, **options):
        done = retention.purge()
        names = dict(Channel.objects.filter(pk__in=done).values_list("pk", "name"))
        for channel_id, count in done.items():
            self.stdout.write(f"{names.get(channel_id, channel_id)}: {count} messages blanked")
        if not done:
            self.stdout.write("no channel has a retention period")
