"""A process that runs forever beside the web pods: it looks for new notes and would alert."""

import signal
import time

from django.core.management.base import BaseCommand

from notes.models import Note


class Command(BaseCommand):
    help = "Watch for new notes until stopped (SIGTERM ends it between checks)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=30)

    def handle(self, *args, interval: float, **options) -> None:
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        # From here SIGTERM stops it; before, as PID 1 without a handler, it ignores SIGTERM.
        self.stdout.write("watching for new notes")
        seen = Note.objects.count()
        while not stopping:
            count = Note.objects.count()
            if count > seen:
                self.stdout.write(f"{count - seen} new notes to alert about")
            seen = count
            time.sleep(interval)
        self.stdout.write("stopped")
