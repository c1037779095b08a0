"""The edge between the library and a person: user errors become one line and a non-zero exit."""

import functools
from collections.abc import Callable

from invoke.exceptions import Exit

from lifecycle.commands import CommandFailed
from lifecycle.errors import LifecycleError


def one_line_errors(task_body: Callable) -> Callable:
    """Turn the library's user-facing errors into invoke's Exit, with no traceback."""

    @functools.wraps(task_body)
    def wrapper(*args, **kwargs):
        try:
            return task_body(*args, **kwargs)
        except LifecycleError as error:
            raise Exit(f"error: {error}", code=1) from None
        except CommandFailed as failure:
            last_line = failure.output_tail.strip().splitlines()[-1:] or [""]
            raise Exit(
                f"error: `{failure.argv[0]} {' '.join(failure.argv[1:3])} ...` exited "
                f"{failure.returncode}: {last_line[0]} (full output above)",
                code=1,
            ) from None

    return wrapper
