"""What the suite needs from any Django project, as one importable piece.

A project adds one call at the end of its settings module:

    from django_runtime.settings import apply_runtime_settings
    apply_runtime_settings(globals())

and gets: settings read from the environment (secret key, hosts, database, static files,
HTTPS behind a proxy, logging), the health probes `/healthz` and `/readyz` answered before host
checks, a one-line request log, and WhiteNoise static files streamed in bounded memory under
ASGI whatever other middleware the project has. The image starts it with
`python -m django_runtime.serve` (uvicorn with one worker per CPU of the container's quota).
"""
