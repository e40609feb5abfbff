"""Standard Webhooks signing (https://www.standardwebhooks.com/)."""

import base64
import binascii
import hashlib
import hmac
import itertools
import secrets

SECRET_PREFIX = "whsec_"


class SecretError(ValueError):
    pass


def decode_secret(secret: str) -> bytes:
    """Returns the HMAC key of a "whsec_<base64>" or plain base64 secret."""
    encoded = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SecretError('expected "whsec_" followed by base64, or plain base64') from None
    if not key:
        raise SecretError("the decoded key is empty")
    return key


class MessageIds:
    """Fresh webhook-ids: "msg_", 16 random URL-safe characters drawn once, "_" and a count.

    The receiver keeps the ids it applied per job, and a job's events, numbered in
    a row under one stem, fit in a few bytes there as number ranges; random ids
    would cost it a marker each.
    """

    def __init__(self):
        self._stem = "msg_" + secrets.token_urlsafe(12) + "_"
        self._count = itertools.count(1)

    def next(self) -> str:
        return self._stem + str(next(self._count))


def sign(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode("utf-8") + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(key: bytes, message_id: str, timestamp: int, body: bytes) -> dict:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(key, message_id, timestamp, body),
    }
