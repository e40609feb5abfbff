"""The webhook body: ComfyUI's WebSocket message wrapped as comfy.<type>."""

import json
import math


def encode(event_type: str, data, metadata: dict) -> bytes:
    """Compact UTF-8 JSON of one envelope.

    Objects JSON cannot represent become strings rather than costing the event.
    """
    envelope = {
        "event": "comfy." + event_type,
        "data": {"type": event_type, "data": data},
        "metadata": metadata,
    }
    try:
        text = _dumps(envelope)
    except ValueError:
        # NaN and Infinity are not JSON and strict parsers such as the Java
        # receiver's reject them, so they are sent as null.
        text = _dumps(_finite(envelope))
    return text.encode("utf-8")


def encode_batch(bodies) -> bytes:
    return b"[" + b",".join(bodies) + b"]"


def _dumps(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=str)


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
