"""Start uvicorn for the container: check the configuration once, then serve with N workers."""

import os
import sys
from dataclasses import dataclass

import uvicorn
from uvicorn.importer import ImportFromStringError, import_from_string
from uvicorn.main import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess

# Kubernetes sends SIGTERM, then SIGKILL after its grace period (set longer than this).
DEFAULT_GRACEFUL_SHUTDOWN_SECONDS = 20


@dataclass(frozen=True)
class ServerOptions:
    host: str
    port: int
    workers: int
    graceful_shutdown_seconds: int


def server_options() -> ServerOptions:
    """Read from the environment; the image sets PORT from invoke.yaml (app.port)."""
    from django_runtime.env import env_int
    from django_runtime.workers import worker_count

    return ServerOptions(
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
        loaded_application()  # built to be checked, not served: left unfrozen, to be collected
    except (ImproperlyConfigured, ValueError, ImportFromStringError) as error:
        sys.exit(f"configuration error: {error}")

    config = uvicorn.Config(
        "django_runtime.serve:application",
        factory=True,  # each worker makes its own
        host=options.host,
        port=options.port,
        workers=options.workers,
        # Our middleware logs each request once, with its duration.
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=options.graceful_shutdown_seconds,
        lifespan="off",
        # Limits and timeouts before any work; a connection closed only once its bytes are sent.
        http="django_runtime.protocol:GuardedHttpToolsProtocol",
    )
    if config.workers == 1:
        server = uvicorn.Server(config)
        server.run()  # exits 4 itself when its drain cut requests
        if not server.started:
            sys.exit(STARTUP_FAILURE)
        return
    supervisor = RefusingSupervisor(config, sockets=[config.bind_socket()])
    supervisor.run()
    sys.exit(supervisor.exit_code())


def application():
    """What each worker serves (uvicorn's factory): the loaded application, with the heap that
    loading built frozen (django_runtime.heap)."""
    from django_runtime.heap import freeze_startup_heap

    served = loaded_application()
    freeze_startup_heap()
    return served


def loaded_application():
    """The project's application (DJANGO_ASGI_APPLICATION, which the image sets from
    invoke.yaml's app.asgi_application), with our handler (django_runtime.handler) in place of
    a plain Django one; an application that wraps Django's (a router, an error reporter) is
    served as it is."""
    from django.core.handlers.asgi import ASGIHandler

    from django_runtime.core_sharing import share_core
    from django_runtime.env import env_required
    from django_runtime.handler import RuntimeASGIHandler
    from django_runtime.kept_connections import keep_no_connections

    share_core()  # before the worker starts its request threads, which inherit it
    project = import_from_string(env_required("DJANGO_ASGI_APPLICATION", "module:attribute"))
    if type(project) is ASGIHandler:
        return RuntimeASGIHandler()
    keep_no_connections()  # Django's own handler may be inside: a thread made per request
    return project


class RefusingSupervisor(Multiprocess):
    """uvicorn's supervisor of W workers, which on SIGTERM closes its own copy of the listening
    socket at once: each worker closes its copy when it starts draining, so from then on new
    connections are refused (a proxy retries elsewhere) instead of waiting in a queue no one
    reads, to be reset when the supervisor exits."""

    def handle_term(self) -> None:
        for sock in self.sockets:
            sock.close()
        super().handle_term()

    def exit_code(self) -> int:
        """Non-zero when a worker's drain cut requests (or it failed); a worker ended by the
        SIGTERM it was sent (uvicorn re-raises it, exit code -15) ended normally."""
        return max((p.exitcode for p in self.processes if p.exitcode and p.exitcode > 0), default=0)


if __name__ == "__main__":
    main()
