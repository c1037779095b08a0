"""Typed values from the environment; a malformed or missing one is one ImproperlyConfigured
line that names the variable."""

import os

from django.core.exceptions import ImproperlyConfigured

# The environment contract: every variable django_runtime reads, and what it is for. The
# README's table, the manifests' ConfigMap and the test stacks are held to it by
# tests/unit/test_environment_contract.py.
CONTRACT = {
    "DJANGO_SECRET_KEY": "required unless DJANGO_DEBUG=1",
    "DJANGO_DEBUG": "development mode (1/0), default 0",
    "DJANGO_ALLOWED_HOSTS": "comma-separated host names; none in production by default",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "comma-separated origins, e.g. https://app.example.com",
    "DATABASE_URL": "e.g. mysql://user:pw@host:3306/name; wins over MYSQL_*",
    "MYSQL_HOST": "MySQL's host, when DATABASE_URL is unset (else SQLite at SQLITE_PATH)",
    "MYSQL_PORT": "default 3306",
    "MYSQL_DATABASE": "default app",
    "MYSQL_USER": "default app",
    "MYSQL_PASSWORD": "from the Secret",
    "MYSQL_CONNECT_TIMEOUT": "seconds, default 3",
    "MYSQL_READ_TIMEOUT": "seconds a query may wait for the server, default 10",
    "MYSQL_WRITE_TIMEOUT": "seconds a write may wait for the server, default 10",
    "DJANGO_CONN_MAX_AGE": "seconds a database connection is reused, default 60 (0: one a request)",
    "DATABASE_CONNECTIONS_KEPT": "database connections a worker keeps open between requests "
    "and lends to them, default 8",
    "DATABASE_CONNECTION_WAIT_MS": "how long a request waits for a kept connection while none "
    "comes back before it opens one of its own, default 20",
    "DATABASE_ALIVE_WINDOW_MS": "a kept connection back from a request within this, and not "
    "closed by the database since, is lent without Django's health check, default 500 "
    "(0: always checked)",
    "SQLITE_PATH": "for local work without MySQL",
    "DJANGO_STATIC_ROOT": "where collectstatic writes; default staticfiles/ beside settings",
    "DJANGO_LOG_LEVEL": "default INFO",
    "DJANGO_SECURE_SSL_REDIRECT": "redirect plain HTTP to HTTPS (1/0), default 1",
    "DJANGO_SECURE_HSTS_SECONDS": "HSTS max-age, default one year",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "default 1",
    "DJANGO_SECURE_HSTS_PRELOAD": "default 1",
    "PORT": "the port uvicorn listens on; the image sets it from invoke.yaml's app.port",
    "HOST": "the address uvicorn binds, default 0.0.0.0",
    "DJANGO_ASGI_APPLICATION": "module:attribute; the image sets it from app.asgi_application",
    "WEB_CONCURRENCY": "uvicorn workers; default the container's CPU quota, rounded up",
    "STATIC_MEMORY_BYTES": "small static files kept in memory per worker, default 16 MiB",
    "REQUEST_THREADS_KEPT": "idle request threads a worker keeps for reuse, default 256",
    "CPU_BATCH_SCHEDULING": "a worker's threads wake without preempting (1/0), default 1",
    "GRACEFUL_SHUTDOWN_SECONDS": "how long requests may finish after SIGTERM, default 20",
    "DJANGO_READINESS_CACHE_SECONDS": "how long a /readyz verdict is reused, default 1",
    "HTTP_MAX_HEADER_BYTES": "request headers past this get 431, default 65536",
    "HTTP_MAX_BODY_BYTES": "request bodies past this get 413 before any work, default 10 MiB",
    "HTTP_HEADER_TIMEOUT_SECONDS": "headers not complete by then get 408, default 10",
    "HTTP_BODY_TIMEOUT_SECONDS": "a body that stalls this long gets 408, default 30",
}
# Read by the programs django_runtime starts rather than by its own code.
READ_BY_OTHERS = {
    "DJANGO_SETTINGS_MODULE": "Django; the image sets it from app.settings_module",
    "FORWARDED_ALLOW_IPS": "uvicorn: the proxies whose X-Forwarded-* headers are trusted",
}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use 1 or 0")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_number(name: str, default: float | None, kind: type, what: str) -> float:
    """A number of the given kind; without a default the variable must be set."""
    value = os.environ.get(name, "")
    if value == "":
        if default is None:
            raise ImproperlyConfigured(f"{name} is not set: set it to {what}")
        return default
    try:
        return kind(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not {what}") from None


def env_int(name: str, default: int | None = None) -> int:
    return env_number(name, default, int, "a whole number")


def env_float(name: str, default: float) -> float:
    return env_number(name, default, float, "a number")


def env_required(name: str, form: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"{name} is not set: set it to {form}")
    return value
