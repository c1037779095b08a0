"""Whether this instance can serve traffic: the database answers and has every migration applied.

A probe must not be a way to load the database: at most one check runs at a time in a process,
its verdict is reused for DJANGO_READINESS_CACHE_SECONDS, and once the migrations are found
applied they are not checked again (the image's migrations cannot change while it runs). The
verdict names a reason code; the detail (driver errors, host names) goes to the log only.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from django_runtime.env import env_float

log = logging.getLogger("django_runtime.readiness")
DATABASE_UNREACHABLE = "database_unreachable"
MIGRATIONS_PENDING = "migrations_pending"


@dataclass(frozen=True)
class Verdict:
    reason: str | None  # None when ready
    checked_at: float


def pending_migrations(connection) -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


class Readiness:
    def __init__(self, cache_seconds: float) -> None:
        self.cache_seconds = cache_seconds
        self.lock = threading.Lock()
        self.verdict: Verdict | None = None
        self.migrated = False

    def check(self) -> Verdict:
        """The last verdict while it is fresh; otherwise one new check (callers that arrive
        meanwhile wait for it and share its verdict)."""
        with self.lock:
            fresh = self.verdict and time.monotonic() - self.verdict.checked_at < self.cache_seconds
            if not fresh:
                self.verdict = Verdict(self.problem(), time.monotonic())
            return self.verdict

    def problem(self) -> str | None:
        connection = connections[DEFAULT_DB_ALIAS]
        try:
            connection.ensure_connection()
            pending = [] if self.migrated else pending_migrations(connection)
        except Exception as error:  # any driver error means "not ready"
            log.warning("not ready: %s: %s: %s", DATABASE_UNREACHABLE, type(error).__name__, error)
            return DATABASE_UNREACHABLE
        finally:
            # Probes run outside a request cycle's connection cleanup, so close here.
            connection.close()
        if pending:
            log.warning("not ready: %s: %s", MIGRATIONS_PENDING, ", ".join(pending))
            return MIGRATIONS_PENDING
        self.migrated = True
        return None


readiness = Readiness(env_float("DJANGO_READINESS_CACHE_SECONDS", 1.0))
