"""The app's own build step: bundle its stylesheets into one file for collectstatic."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

SOURCES = ("theme.css", "app.css")


class Command(BaseCommand):
    help = "Write generated/notes/bundle.css from the app's stylesheets."
    requires_system_checks = ()

    def handle(self, *args, **options) -> None:
        source = Path(__file__).resolve().parents[2] / "static" / "notes"
        target = Path(settings.STATICFILES_DIRS[0]) / "notes" / "bundle.css"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join((source / name).read_text() for name in SOURCES))
        self.stdout.write(f"bundled {len(SOURCES)} stylesheets into {target}")
