"""Run the app's commands in a fresh interpreter, to test settings as a deployment would
load them."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
APP_DIR = PROJECT / "my_app"
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-production-like-secret-key-that-is-long-and-random-9f8e7d6c5b4a",
    "DJANGO_ALLOWED_HOSTS": "my-app.example.com",
}
# What the image sets for the container's start command (`python -m django_runtime.serve`).
WORKER_ENV = {
    **PRODUCTION_ENV,
    "DJANGO_SETTINGS_MODULE": "my_app.settings",
    "DJANGO_ASGI_APPLICATION": "my_app.asgi:application",
    "PORT": "8000",
    "WEB_CONCURRENCY": "1",
}


def app_environment(**env: str) -> dict[str, str]:
    """This process's environment with only the given Django environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MYSQL_"))}
    clean.pop("DATABASE_URL", None)
    # django_runtime sits beside the app, as the image puts it beside the app in /app.
    return {**clean, "PYTHONPATH": str(PROJECT), **env}


def python_in_app(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python ARGS` in the app's folder with only the given Django environment."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=APP_DIR,
        env=app_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter with only the given Django environment."""
    return python_in_app("manage.py", *args, **env)
