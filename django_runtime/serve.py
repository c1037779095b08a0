"""Start uvicorn for the container: check the configuration once, then serve with N workers."""

import os
import sys
from dataclasses import dataclass

import uvicorn
from uvicorn.importer import ImportFromStringError, import_from_string

# Kubernetes sends SIGTERM, then SIGKILL after its grace period (set longer than this).
DEFAULT_GRACEFUL_SHUTDOWN_SECONDS = 20


@dataclass(frozen=True)
class ServerOptions:
    application: str
    host: str
    port: int
    workers: int
    graceful_shutdown_seconds: int


def server_options() -> ServerOptions:
    """Read from the environment; the image sets PORT and DJANGO_ASGI_APPLICATION from
    invoke.yaml (app.port, app.asgi_application)."""
    from django_runtime.env import env_int, env_required
    from django_runtime.workers import worker_count

    return ServerOptions(
        application=env_required("DJANGO_ASGI_APPLICATION", "module:attribute"),
        host=os.environ.get("HOST", "0.0.0.0"),
        port=env_int("PORT"),
        workers=worker_count(),
        graceful_shutdown_seconds=env_int(
            "GRACEFUL_SHUTDOWN_SECONDS", DEFAULT_GRACEFUL_SHUTDOWN_SECONDS
        ),
    )


def main() -> None:
    import django
    from django.core.exceptions import ImproperlyConfigured

    # Fail here with one line rather than in every worker, which uvicorn would restart forever.
    try:
        django.setup()
        options = server_options()
        import_from_string(options.application)
    except (ImproperlyConfigured, ValueError, ImportFromStringError) as error:
        sys.exit(f"configuration error: {error}")

    uvicorn.run(
        options.application,
        host=options.host,
        port=options.port,
        workers=options.workers,
        # Our middleware logs each request once, with its duration.
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=options.graceful_shutdown_seconds,
        lifespan="off",
        # Closes a connection only once its bytes are sent, so a drain loses none.
        http="django_runtime.draining:DrainingHttpToolsProtocol",
    )


if __name__ == "__main__":
    main()
