"""Configuration from environment variables, validated once at start-up."""

import json
import re
from dataclasses import dataclass, field
from typing import Mapping, Optional
from urllib.parse import urlsplit

from .signing import SecretError, decode_secret

URL_VAR = "COMFYJOBS_WEBHOOK_URL"
SECRET_VAR = "COMFYJOBS_WEBHOOK_SECRET"
EVENTS_VAR = "COMFYJOBS_WEBHOOK_EVENTS"
METADATA_VAR = "COMFYJOBS_WEBHOOK_METADATA"
QUEUE_SIZE_VAR = "COMFYJOBS_WEBHOOK_QUEUE_SIZE"
MAX_ATTEMPTS_VAR = "COMFYJOBS_WEBHOOK_MAX_ATTEMPTS"
TIMEOUT_VAR = "COMFYJOBS_WEBHOOK_TIMEOUT"
COALESCE_MS_VAR = "COMFYJOBS_WEBHOOK_COALESCE_MS"
BATCH_VAR = "COMFYJOBS_WEBHOOK_BATCH"

SOURCE = "comfyui-webhook"

# The WebSocket event types ComfyUI emits through PromptServer.send_sync while it
# runs prompts. Binary events (preview images, progress text) use integer types
# and are never forwarded.
KNOWN_EVENTS = frozenset({
    "status",
    "execution_start",
    "execution_cached",
    "executing",
    "progress",
    "progress_state",
    "executed",
    "execution_success",
    "execution_error",
    "execution_interrupted",
})

# What the receiver needs of a prompt, by default: its start, cached nodes, progress (progress_state
# carries the finished nodes and the running node's step, so it stands in for executing and
# progress), outputs and end. status has no prompt and executing with node null repeats
# execution_success, so the receiver ignores both; each forwarded event is a request it pays for.
DEFAULT_EVENTS = frozenset({
    "execution_start",
    "execution_cached",
    "progress_state",
    "executed",
    "execution_success",
    "execution_error",
    "execution_interrupted",
})

MAX_BATCH = 1000
DEFAULT_BATCH = 20
DEFAULT_COALESCE_MS = 1000


class ConfigError(ValueError):
    """A setting is invalid; the message names the environment variable."""


@dataclass(frozen=True)
class Config:
    url: str
    key: bytes = field(repr=False)
    events: frozenset = DEFAULT_EVENTS
    metadata: dict = field(default_factory=lambda: {"source": SOURCE})
    queue_size: int = 1000
    max_attempts: int = 8
    timeout: float = 10.0
    coalesce_ms: int = DEFAULT_COALESCE_MS
    batch: int = DEFAULT_BATCH
    backoff_initial: float = 0.5
    backoff_cap: float = 30.0


def load_config(environ: Mapping[str, str]) -> Optional[Config]:
    """Returns the configuration, or None when the bridge is not switched on.

    Raises ConfigError for any invalid value.
    """
    url = environ.get(URL_VAR, "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{URL_VAR} must be an http:// or https:// URL with a host")

    secret = environ.get(SECRET_VAR, "").strip()
    if not secret:
        raise ConfigError(f"{SECRET_VAR} is required when {URL_VAR} is set")
    try:
        key = decode_secret(secret)
    except SecretError as err:
        raise ConfigError(f"{SECRET_VAR} is invalid: {err}") from None

    return Config(
        url=url,
        key=key,
        events=_events(environ),
        metadata=_metadata(environ),
        queue_size=_integer(environ, QUEUE_SIZE_VAR, 1000, minimum=1),
        max_attempts=_integer(environ, MAX_ATTEMPTS_VAR, 8, minimum=1),
        timeout=_seconds(environ, TIMEOUT_VAR, 10.0),
        coalesce_ms=_integer(environ, COALESCE_MS_VAR, DEFAULT_COALESCE_MS, minimum=0),
        batch=_integer(environ, BATCH_VAR, DEFAULT_BATCH, minimum=1, maximum=MAX_BATCH),
    )


def describe_url(url: str) -> str:
    """The URL without credentials, path or query, which may carry tokens: safe to log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def _events(environ):
    raw = environ.get(EVENTS_VAR)
    if raw is None or not raw.strip():
        return DEFAULT_EVENTS
    names = {name.strip() for name in raw.split(",") if name.strip()}
    # A typo would silently stop, say, execution_success from ever arriving, so
    # unknown names are rejected instead of ignored.
    unknown = sorted(names - KNOWN_EVENTS)
    if unknown:
        raise ConfigError(
            f"{EVENTS_VAR} names unknown event types {', '.join(unknown)}; "
            f"known types: {', '.join(sorted(KNOWN_EVENTS))}")
    return frozenset(names)


def _metadata(environ):
    raw = environ.get(METADATA_VAR, "").strip()
    if not raw:
        return {"source": SOURCE}
    try:
        extra = json.loads(raw)
    except ValueError as err:
        raise ConfigError(f"{METADATA_VAR} is not valid JSON: {err}") from None
    if not isinstance(extra, dict):
        raise ConfigError(f"{METADATA_VAR} must be a JSON object")
    # The receiver tells bridge deliveries apart by metadata.source.
    if "source" in extra:
        raise ConfigError(f'{METADATA_VAR} must not set "source"; it is always "{SOURCE}"')
    return {"source": SOURCE, **extra}


def _integer(environ, name, default, minimum, maximum=None):
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[+-]?\d+", raw):
        raise ConfigError(f"{name} must be a whole number, got {raw!r}")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"at least {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ConfigError(f"{name} must be {bound}, got {value}")
    return value


def _seconds(environ, name, default):
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 < value < float("inf"):
        raise ConfigError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value
