"""The admin and the notes pages."""

from django.contrib import admin
from django.urls import path

from notes import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", views.home, name="home"),
]
