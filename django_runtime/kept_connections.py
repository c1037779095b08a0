"""Database connections kept open between requests by the request threads, a few per worker.

Django keeps a connection per thread for CONN_MAX_AGE seconds. Under its own ASGI handler each
request's sync code runs in a thread made for it, so a kept connection is never reused (Django's
documentation says to turn them off there) and a page pays for a new connection: on the sample's
page that is close to half its CPU. Our request threads are kept (request_threads.py), so their
connections are reused; this bounds how many stay open. After a request, a thread keeps its
connections only while fewer than `limit` threads of the worker keep theirs; a thread that
retires closes its own (a connection may be closed only by the thread that opened it).
"""

import threading

from django.db import connections

# Per worker: MySQL's default max_connections is 151, shared by every worker of every replica
# (the manifests' 6 replicas of 2 workers) and, during a rollout, by the old ones too.
DEFAULT_DATABASE_CONNECTIONS_KEPT = 8


def holds_open_connection() -> bool:
    """Whether this thread has a database connection open."""
    return any(c.connection is not None for c in connections.all(initialized_only=True))


class KeptConnections:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lock = threading.Lock()
        self.keepers: set[int] = set()  # the threads keeping theirs open

    def after_request(self) -> bool:
        """In a request thread, after request_finished: keep what it left open, or close it;
        whether it keeps a connection."""
        me = threading.get_ident()
        # Not open: closed by Django (obsolete, broken) or never opened.
        open_now = holds_open_connection()
        with self.lock:
            keep = open_now and (me in self.keepers or len(self.keepers) < self.limit)
            (self.keepers.add if keep else self.keepers.discard)(me)
        if open_now and not keep:
            connections.close_all()
        return keep

    def retire(self) -> None:
        """In a request thread about to end: close what it kept."""
        connections.close_all()
        with self.lock:
            self.keepers.discard(threading.get_ident())


def keep_no_connections() -> None:
    """A connection per request, for an application served as it is (Django's own handler
    inside, a thread made per request): what Django's documentation asks under ASGI."""
    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
