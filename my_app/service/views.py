"""The service's pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from service.models import PageVisit


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The page, counting visits: a HEAD (a monitor's check) reads, it does not count."""
    if request.method == "GET":
        PageVisit.objects.create(path=request.path)
    return render(request, "service/home.html", {"visits": PageVisit.objects.count()})
