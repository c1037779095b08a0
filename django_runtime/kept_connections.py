"""A worker's database connections, kept between requests and lent to its request threads.

Django keeps a connection per thread for CONN_MAX_AGE seconds. Under its own ASGI handler each
request's sync code runs in a thread made for it, so a kept connection is never reused (Django's
documentation says to turn them off there) and a page pays for a new connection: on the sample's
page that is close to half its CPU. Here a worker keeps up to `limit` connections per database
and lends them to whichever request thread asks first: a thread takes one when its request first
touches the database (Django's ConnectionHandler.create_connection) and gives it back once the
request's answer is whole (the handler's sync lane), or else after its close. When all are lent,
a request waits its turn, handed one in the order the requests came, for as long as they keep
coming back: under CPU-bound load one comes back every millisecond or so, however long the
queue, and a new connection would only add to the load (on a slower machine the queue is slower,
not stalled). Only when none has come back for `wait_seconds` (the database, or whatever the
holders wait on, is slow) does a request open one of its own, closed after its request: waits on
a slow database still overlap, beyond the limit.

Django checks a kept connection before a request's first query (CONN_HEALTH_CHECKS): a ping, a
round trip that costs both the worker and the database as much as a small query. A connection that
came back from a request less than `alive_seconds` ago worked a moment ago, and is lent unchecked
(as HikariCP's aliveBypassWindowMs) while its socket has nothing to read: under load every page
skips the ping. A connection the database closed meanwhile (a restart, a failover, a KILL) has
the end of its stream to read there, as go-sql-driver/mysql's connection check finds it, and is
checked; so is an idle one, and one that saw an error (Django checked it as it came back).
"""

import functools
import select
import threading
import time
from collections import defaultdict, deque

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from django_runtime.request_threads import in_request_thread

# Per worker and database: MySQL's default max_connections is 151, shared by every worker of
# every replica and a rollout's surge: staging's 7 pods of 2 workers hold at most 112;
# production's 13 would hold 208, so its MySQL needs max_connections raised (or fewer kept).
DEFAULT_DATABASE_CONNECTIONS_KEPT = 8
# How long a request waits while no kept connection comes back before it opens one of its own.
DEFAULT_DATABASE_CONNECTION_WAIT_MS = 20
# A kept connection back from a request within this is lent without the ping (0: always pinged),
# unless the database closed it meanwhile (socket_quiet). What no socket shows (a network cut
# that leaves the socket silent) fails at most the requests lent a connection within it.
DEFAULT_DATABASE_ALIVE_WINDOW_MS = 500


class Waiter:
    """A request waiting for a kept connection: handed one in turn (first come, first served:
    one parked instead would go to whichever request asks next, and a waiter could wait out its
    whole time behind requests that came after it)."""

    def __init__(self) -> None:
        self.handed: tuple[BaseDatabaseWrapper, float] | None = None  # and when it came back
        self.ready = threading.Event()


class KeptConnections:
    def __init__(self, limit: int, wait_seconds: float, alive_seconds: float = 0.0) -> None:
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.alive_seconds = alive_seconds
        self.lock = threading.Lock()
        # Each parked connection with the time it came back.
        self.parked: dict[str, list[tuple[BaseDatabaseWrapper, float]]] = defaultdict(list)
        self.kept: dict[str, list[BaseDatabaseWrapper]] = defaultdict(list)  # parked or lent
        self.waiters: dict[str, deque[Waiter]] = defaultdict(deque)
        self.came_back_at: dict[str, float] = defaultdict(float)  # the last give_back's time
        self.opened_apart = 0  # connections opened beyond the limit (read by the tests)
        # Django's own, not whatever create_connection is now: another pool lending already
        # (an earlier handler in this process) would lend to this one and never get it back.
        self.make = functools.partial(type(connections).create_connection, connections)

    def lend_to_request_threads(self) -> None:
        """Serve the request threads' connections from here (their other threads: Django's)."""
        connections.create_connection = self.create_connection

    def create_connection(self, alias: str) -> BaseDatabaseWrapper:
        if not in_request_thread():
            return self.make(alias)
        return owned_here(self.borrow(alias))

    def borrow(self, alias: str) -> BaseDatabaseWrapper:
        with self.lock:
            if self.parked[alias]:
                return self.checked_if_idle(*self.parked[alias].pop())
            if len(self.kept[alias]) < self.limit:
                wrapper = self.make(alias)
                self.kept[alias].append(wrapper)
                return wrapper
            waiter = Waiter()
            self.waiters[alias].append(waiter)
        stalled_since = time.monotonic()
        while True:
            waiter.ready.wait(stalled_since + self.wait_seconds - time.monotonic())
            with self.lock:
                if waiter.handed is not None:
                    return self.checked_if_idle(*waiter.handed)
                if self.came_back_at[alias] <= stalled_since:  # none came back meanwhile
                    self.waiters[alias].remove(waiter)
                    self.opened_apart += 1
                    break
                stalled_since = self.came_back_at[alias]  # the queue moves: wait on
        return self.make(alias)  # closed after its request: not kept

    def checked_if_idle(
        self, wrapper: BaseDatabaseWrapper, came_back_at: float
    ) -> BaseDatabaseWrapper:
        """The connection, its health check skipped when it came back within the window and
        nothing came on its socket since."""
        if time.monotonic() - came_back_at < self.alive_seconds and socket_quiet(wrapper):
            wrapper.health_check_done = True  # Django's own flag: checked in this request
        return wrapper

    def give_back_borrowed(self) -> None:
        """In a request thread, once its request needs them no more: give back what it
        borrowed."""
        for wrapper in connections.all(initialized_only=True):
            del connections[wrapper.alias]
            # What request_finished does, for a request that ended without it (cancelled, or
            # its chain raised): the next borrower checks the connection before its first query.
            wrapper.close_if_unusable_or_obsolete()
            if not self.give_back(wrapper):
                wrapper.close()

    def give_back(self, wrapper: BaseDatabaseWrapper) -> bool:
        """Hand a kept connection to the first waiter, or park it; False for one not kept."""
        alias = wrapper.alias
        with self.lock:
            if not any(wrapper is kept for kept in self.kept[alias]):
                return False
            now = self.came_back_at[alias] = time.monotonic()
            if self.waiters[alias]:
                waiter = self.waiters[alias].popleft()
                waiter.handed = (wrapper, now)
                waiter.ready.set()
            else:
                self.parked[alias].append((wrapper, now))
            return True

    def close_parked(self) -> None:
        """At exit, once the request threads are done: close every kept connection."""
        with self.lock:
            parked = [wrapper for wrappers in self.parked.values() for wrapper, _ in wrappers]
            self.parked.clear()
            self.kept.clear()
        for wrapper in parked:
            owned_here(wrapper).close()


def socket_quiet(wrapper: BaseDatabaseWrapper) -> bool:
    """Nothing to read on the connection's socket, as between a live connection's queries; a
    server that closed it left the end of its stream (or an error packet) there. One system
    call, no round trip; a connection with no socket (SQLite, or none open) has nothing to lose."""
    fileno = getattr(wrapper.connection, "fileno", None)
    if fileno is None:
        return True
    try:
        descriptor = fileno()
    except Exception:  # the driver's own error for a closed connection: let Django check it
        return False
    poller = select.poll()
    poller.register(descriptor, select.POLLIN)
    return not poller.poll(0)


def owned_here(wrapper: BaseDatabaseWrapper) -> BaseDatabaseWrapper:
    """The connection, handed to this thread: Django checks that a connection is used only by
    the thread that made it, and a lent one belongs to its borrower alone until given back."""
    wrapper._thread_ident = threading.get_ident()
    return wrapper


def keep_no_connections() -> None:
    """A connection per request, for an application served as it is (Django's own handler
    inside, a thread made per request): what Django's documentation asks under ASGI."""
    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
