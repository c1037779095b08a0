"""A worker freezes its heap once the app is loaded, after collecting startup's garbage."""

import json

from tests.unit.manage_py import PRODUCTION_ENV, python_in_app

# A worker's start, as uvicorn makes it: application() in a fresh interpreter; then what the
# collector keeps out of its walks, and whether an old cycle dropped before it was freed.
WORKER_START = """
import gc, json, weakref
import django
django.setup()
from django_runtime.serve import application

class Node:
    pass

cycle = Node()
cycle.me = cycle
gone = weakref.ref(cycle)
gc.collect()  # it survives, into the oldest generation, where only a full collection looks
del cycle
before = gc.get_freeze_count()
application()
print(json.dumps({"before": before, "after": gc.get_freeze_count(), "cycle_freed": gone() is None}))
"""


def test_the_loaded_app_is_frozen_and_startup_garbage_is_not():
    result = python_in_app(
        "-c",
        WORKER_START,
        **PRODUCTION_ENV,
        DJANGO_SETTINGS_MODULE="my_app.settings",
        DJANGO_ASGI_APPLICATION="my_app.asgi:application",
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["before"] == 0
    assert seen["after"] > 10_000  # Django and the project, loaded: not a handful of objects
    assert seen["cycle_freed"]
