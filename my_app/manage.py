#!/usr/bin/env python
"""Django's command-line utility, turning configuration errors into one clear line."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "my_app.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        sys.exit(f"configuration error: {error}")


if __name__ == "__main__":
    main()
