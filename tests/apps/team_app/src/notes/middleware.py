"""A sync-only middleware of the team's own, as many teams have."""


class TeamHeaderMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Team"] = "notes"
        return response
