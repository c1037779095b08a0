"""Start uvicorn for the container: check the configuration once, then serve with N workers."""

import os
import sys
from dataclasses import dataclass

import uvicorn

# Kubernetes sends SIGTERM, then SIGKILL after its grace period (set longer than this).
DEFAULT_GRACEFUL_SHUTDOWN_SECONDS = 20


@dataclass(frozen=True)
class ServerOptions:
    host: str
    port: int
    workers: int
    graceful_shutdown_seconds: int


def server_options() -> ServerOptions:
    """Read from the environment; the image sets PORT (invoke.yaml's app.port)."""
    from my_app.env import env_int
    from my_app.workers import worker_count

    return ServerOptions(
        host=os.environ.get("HOST", "0.0.0.0"),
        port=env_int("PORT"),
        workers=worker_count(),
        graceful_shutdown_seconds=env_int(
            "GRACEFUL_SHUTDOWN_SECONDS", DEFAULT_GRACEFUL_SHUTDOWN_SECONDS
        ),
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "my_app.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    # Fail here with one line rather than in every worker, which uvicorn would restart forever.
    try:
        django.setup()
        options = server_options()
    except (ImproperlyConfigured, ValueError) as error:
        sys.exit(f"configuration error: {error}")

    uvicorn.run(
        "my_app.asgi:application",
        host=options.host,
        port=options.port,
        workers=options.workers,
        # Our middleware logs each request once, with its duration.
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=options.graceful_shutdown_seconds,
        lifespan="off",
    )


if __name__ == "__main__":
    main()
