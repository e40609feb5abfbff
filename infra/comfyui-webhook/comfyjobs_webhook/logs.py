"""The bridge's logger.

The logger has a fixed name because ComfyUI imports custom nodes under a module
name derived from their directory path, so ``__name__`` would be unpredictable.
"""

import logging
import threading

LOG = logging.getLogger("comfyjobs_webhook")


class OnceLog:
    """Logs each kind of problem only the first time it happens.

    A broken receiver or an odd event would otherwise repeat the same message for
    every progress step and flood ComfyUI's console.
    """

    def __init__(self):
        self._seen = set()
        self._lock = threading.Lock()

    def _first(self, kind):
        with self._lock:
            if kind in self._seen:
                return False
            self._seen.add(kind)
            return True

    def warning(self, kind, message, *args, **kwargs):
        if self._first(kind):
            LOG.warning(message, *args, **kwargs)

    def error(self, kind, message, *args, **kwargs):
        if self._first(kind):
            LOG.error(message, *args, **kwargs)
