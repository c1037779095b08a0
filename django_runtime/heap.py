"""A worker's heap as it stands once the app is loaded, kept out of the garbage collector's way.

Python's full collection walks every object it tracks, and a loaded Django project is most of
them: in a worker under load (the bench's DB page), a full collection stopped every request for
up to 215 ms. Frozen after startup's own garbage is collected, that heap is left out of later
collections, which then walk what requests made: 2 ms (41 ms once, the first time round the
objects the first requests built). Frozen objects are still freed when their last reference
goes; only cycles among them are no longer looked for.
"""

import gc


def freeze_startup_heap() -> None:
    gc.collect()  # startup's garbage first, or it would be kept for good
    gc.freeze()
