"""A middleware that only runs synchronously, as many teams' own middleware do."""


class SyncOnlyMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
