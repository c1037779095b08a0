"""The service cannot run without somewhere to send its alerts."""

import os

from django.core.checks import Error, register


@register()
def alerts_webhook_is_configured(app_configs, **kwargs):
    if os.environ.get("TEAM_ALERTS_WEBHOOK"):
        return []
    return [
        Error(
            "TEAM_ALERTS_WEBHOOK is not set",
            hint="Set it to the URL that receives the service's alerts.",
            id="notes.E001",
        )
    ]
