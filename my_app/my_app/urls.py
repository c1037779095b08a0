"""URL routes: the home page, plus the demo endpoints when DJANGO_DEMO_ENDPOINTS is on."""

from django.conf import settings
from django.urls import path

from service import demo_views, views

urlpatterns = [path("", views.home, name="home")]

if settings.DEMO_ENDPOINTS:
    urlpatterns += [
        path("demo/sleep", demo_views.sync_sleep, name="demo-sleep"),
        path("demo/cpu", demo_views.sync_cpu, name="demo-cpu"),
        path("demo/async-sleep", demo_views.async_sleep, name="demo-async-sleep"),
        path("demo/db-sleep", demo_views.db_sleep, name="demo-db-sleep"),
        path("demo/async-db", demo_views.async_db_count, name="demo-async-db"),
    ]
