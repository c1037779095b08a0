"""A middleware that records each request that reaches it: what the fast lanes must skip."""

import threading

from django_runtime.dual_mode import DualModeMiddleware
from tests.unit.sync_only import SyncOnlyMiddleware

reached: list[str] = []


class TripwireMiddleware(SyncOnlyMiddleware):
    def __call__(self, request):
        reached.append(request.path)
        return super().__call__(request)


threads: list[int] = []


class ThreadRecorder(DualModeMiddleware):
    """Records the thread it runs in: on the event loop when Django's async chain can run it
    there, in the request's thread in a sync chain."""

    def handle_sync(self, request):
        threads.append(threading.get_ident())
        return self.get_response(request)

    async def handle_async(self, request):
        threads.append(threading.get_ident())
        return await self.get_response(request)
