"""Settings for the unit tests: the production settings, fed a test environment."""

import os
import tempfile

os.environ.update(
    {
        "DJANGO_SECRET_KEY": "unit-tests-only-" + "x" * 50,
        "DJANGO_DEMO_ENDPOINTS": "1",
        "DJANGO_STATIC_ROOT": tempfile.mkdtemp(prefix="my_app-static-"),
        "SQLITE_PATH": ":memory:",
    }
)
for name in ("DJANGO_DEBUG", "DATABASE_URL", "MYSQL_HOST"):
    os.environ.pop(name, None)

from my_app.settings import *  # noqa: E402, F403
