"""Start uvicorn for the container: check the settings once, then serve with N workers."""

import os
import sys

import uvicorn


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "my_app.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    from my_app.workers import worker_count

    # Fail here with one line rather than in every worker, which uvicorn would restart forever.
    try:
        django.setup()
        workers = worker_count()
    except (ImproperlyConfigured, ValueError) as error:
        sys.exit(f"configuration error: {error}")

    uvicorn.run(
        "my_app.asgi:application",
        host=os.environ.get("HOST", "0.0.0.0"),
        port=int(os.environ.get("PORT", "8000")),
        workers=workers,
        # Our middleware logs each request once, with its duration.
        access_log=False,
        proxy_headers=True,
        # Kubernetes sends SIGTERM, then SIGKILL after its grace period (set longer than this).
        timeout_graceful_shutdown=int(os.environ.get("GRACEFUL_SHUTDOWN_SECONDS", "20")),
        lifespan="off",
    )


if __name__ == "__main__":
    main()
