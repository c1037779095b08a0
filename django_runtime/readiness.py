"""Whether this instance can serve traffic: the database answers and has every migration applied."""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def readiness_problem() -> str | None:
    """Return why the service is not ready, or None when it is."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:  # any driver error means "not ready", with its reason
        return f"database unreachable: {type(error).__name__}: {error}"
    finally:
        # Probes run outside a request cycle's connection cleanup, so close here.
        connection.close()
    if pending:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in pending)
        return f"unapplied migrations: {names}"
    return None
