"""The service's pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from service.models import PageVisit


def home(request: HttpRequest) -> HttpResponse:
    PageVisit.objects.create(path=request.path)
    return render(request, "service/home.html", {"visits": PageVisit.objects.count()})
