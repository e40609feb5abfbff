"""Installs the bridge on ComfyUI's PromptServer.send_sync.

Every execution event ComfyUI reports (execution.py, main.py's progress hook,
comfy_execution/progress.py, the queue's status updates) goes through
PromptServer.send_sync, so one wrapper there sees all of them.
"""

import atexit
import functools
import os
import sys
from typing import Mapping, Optional

from .config import ConfigError, describe_url, load_config
from .logs import LOG
from .sender import SHUTDOWN_SECONDS, Sender

_MARKER = "__comfyjobs_webhook__"


def start(environ: Optional[Mapping[str, str]] = None) -> Optional[Sender]:
    """Configures, hooks and starts the bridge; returns its sender, or None when it stays off.

    Never raises: a broken bridge must not stop ComfyUI from loading.
    """
    try:
        # ComfyUI's main.py imports server before it loads custom nodes, so its
        # absence means this package was imported by something else (a tool, a test).
        server_module = sys.modules.get("server")
        if server_module is None or not hasattr(server_module, "PromptServer"):
            LOG.debug("[comfyjobs-webhook] ComfyUI's server module is not loaded; nothing to hook")
            return None
        try:
            config = load_config(os.environ if environ is None else environ)
        except ConfigError as err:
            LOG.error("[comfyjobs-webhook] %s. The webhook bridge is disabled; ComfyUI runs without it.", err)
            return None
        if config is None:
            LOG.info("[comfyjobs-webhook] COMFYJOBS_WEBHOOK_URL is not set; the webhook bridge is off")
            return None
        sender = Sender(config)
        if not install(sender, server_module.PromptServer):
            return None
        sender.start()
        atexit.register(sender.close, SHUTDOWN_SECONDS)
        LOG.info("[comfyjobs-webhook] forwarding %s to %s",
                 ", ".join(sorted(config.events)), describe_url(config.url))
        return sender
    except Exception:
        LOG.exception("[comfyjobs-webhook] failed to start; ComfyUI runs without the webhook bridge")
        return None


def install(sender: Sender, prompt_server_class) -> bool:
    """Wraps send_sync so that every call is also submitted to ``sender``.

    Wraps the running instance's method when there is one. Without an instance
    yet, the class method is wrapped, which every future instance picks up.
    Returns False when a bridge is already installed.
    """
    instance = getattr(prompt_server_class, "instance", None)
    if instance is not None:
        current = instance.send_sync
        if is_installed(current):
            LOG.info("[comfyjobs-webhook] already installed; not wrapping send_sync twice")
            return False
        instance.send_sync = _wrap_bound(current, sender)
        return True
    current = prompt_server_class.send_sync
    if is_installed(current):
        LOG.info("[comfyjobs-webhook] already installed; not wrapping send_sync twice")
        return False
    prompt_server_class.send_sync = _wrap_unbound(current, sender)
    return True


def is_installed(send_sync) -> bool:
    """True when ``send_sync`` is the bridge's wrapper or wraps it (via __wrapped__)."""
    seen = set()
    while send_sync is not None and id(send_sync) not in seen:
        if getattr(send_sync, _MARKER, False):
            return True
        seen.add(id(send_sync))
        send_sync = getattr(send_sync, "__wrapped__", None)
    return False


def _wrap_bound(original, sender):
    @functools.wraps(original)
    def send_sync(*args, **kwargs):
        result = original(*args, **kwargs)
        _forward(sender, args, kwargs)
        return result

    setattr(send_sync, _MARKER, True)
    return send_sync


def _wrap_unbound(original, sender):
    @functools.wraps(original)
    def send_sync(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        _forward(sender, args, kwargs)
        return result

    setattr(send_sync, _MARKER, True)
    return send_sync


def _forward(sender, args, kwargs):
    # send_sync(event, data, sid=None); callers pass event and data positionally
    # or by name, and sid does not matter to the receiver.
    event = args[0] if args else kwargs.get("event")
    data = args[1] if len(args) > 1 else kwargs.get("data")
    sender.submit(event, data)
