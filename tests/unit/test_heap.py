"""A worker freezes its heap once the app is loaded, after collecting startup's garbage."""

import json

from tests.unit.manage_py import WORKER_ENV, python_in_app

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

# The container's start with one worker, uvicorn's serving loop left out: main() checks the
# configuration by loading the app, then uvicorn loads it again from the factory to serve it;
# then how many of our handlers are still alive once garbage is collected.
ONE_WORKER_START = """
import gc, json, weakref
import uvicorn
from django_runtime import handler, serve

built = []
made = handler.RuntimeASGIHandler.__init__

def recorded(self):
    made(self)
    built.append(weakref.ref(self))

def load_instead_of_serving(server):
    server.config.load()
    server.started = True

handler.RuntimeASGIHandler.__init__ = recorded
uvicorn.Server.run = load_instead_of_serving
serve.main()
gc.collect()
print(json.dumps({"built": len(built), "alive": sum(ref() is not None for ref in built)}))
"""


def last_json_line(script: str) -> dict:
    result = python_in_app("-c", script, **WORKER_ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_loaded_app_is_frozen_and_startup_garbage_is_not():
    seen = last_json_line(WORKER_START)
    assert seen["before"] == 0
    assert seen["after"] > 10_000  # Django and the project, loaded: not a handful of objects
    assert seen["cycle_freed"]


def test_the_app_built_to_check_the_configuration_is_not_frozen_with_the_served_one():
    """Frozen, the checked copy would never be collected: cycles among frozen objects are not
    looked for."""
    assert last_json_line(ONE_WORKER_START) == {"built": 2, "alive": 1}
