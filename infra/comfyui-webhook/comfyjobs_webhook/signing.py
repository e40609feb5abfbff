"""Standard Webhooks signing (https://www.standardwebhooks.com/)."""

import base64
import binascii
import hashlib
import hmac
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


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


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
