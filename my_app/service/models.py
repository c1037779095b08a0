"""The service's data: a count of home page visits, so the page really touches the database."""

from django.db import models


class PageVisit(models.Model):
    path = models.CharField(max_length=200)
    visited_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.path} at {self.visited_at:%Y-%m-%d %H:%M:%S}"
