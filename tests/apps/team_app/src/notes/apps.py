"""The notes app."""

from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self) -> None:
        from notes import checks  # noqa: F401 (registers the system check)
