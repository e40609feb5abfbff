"""Test doubles: a stand-in for ComfyUI's server module and a verifying webhook receiver.

The receiver checks every delivery with its own Standard Webhooks code, not the
bridge's, so a signing bug cannot hide behind the code under test.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BRIDGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if BRIDGE_ROOT not in sys.path:
    sys.path.insert(0, BRIDGE_ROOT)

TOLERANCE_SECONDS = 300
KEY = bytes(range(1, 33))
PLAIN_SECRET = base64.b64encode(KEY).decode("ascii")
WHSEC_SECRET = "whsec_" + PLAIN_SECRET

from comfyjobs_webhook.config import KNOWN_EVENTS  # noqa: E402 (the path is set just above)


def bridge_environ(url, **overrides):
    environ = {
        "COMFYJOBS_WEBHOOK_URL": url,
        "COMFYJOBS_WEBHOOK_SECRET": WHSEC_SECRET,
        # every event, each in its own POST, at once: the delivery tests choose coalescing and batching themselves
        "COMFYJOBS_WEBHOOK_EVENTS": ",".join(sorted(KNOWN_EVENTS)),
        "COMFYJOBS_WEBHOOK_COALESCE_MS": "0",
        "COMFYJOBS_WEBHOOK_BATCH": "1",
    }
    environ.update({"COMFYJOBS_WEBHOOK_" + name.upper(): value for name, value in overrides.items()})
    return environ


class FakeServerModule:
    """Installs a module named "server" whose PromptServer records send_sync calls."""

    def __init__(self, with_instance=True):
        self.calls = []
        calls = self.calls

        class PromptServer:
            instance = None

            def __init__(self):
                PromptServer.instance = self

            def send_sync(self, event, data, sid=None):
                calls.append((event, data, sid))
                return "original-result"

        self.PromptServer = PromptServer
        if with_instance:
            PromptServer()
        self.module = types.ModuleType("server")
        self.module.PromptServer = PromptServer
        self._saved = None

    def __enter__(self):
        self._saved = sys.modules.get("server")
        sys.modules["server"] = self.module
        return self

    def __exit__(self, *exc):
        if self._saved is None:
            sys.modules.pop("server", None)
        else:
            sys.modules["server"] = self._saved


class Delivery:
    def __init__(self, header_names, headers, body, received_at):
        self.header_names = header_names
        self.headers = headers
        self.body = body
        self.received_at = received_at
        parsed = json.loads(body.decode("utf-8"))
        self.is_batch = isinstance(parsed, list)
        self.envelopes = parsed if self.is_batch else [parsed]

    @property
    def message_id(self):
        return self.headers["webhook-id"]

    @property
    def timestamp(self):
        return int(self.headers["webhook-timestamp"])

    @property
    def types(self):
        return [envelope["data"]["type"] for envelope in self.envelopes]

    @property
    def prompt_ids(self):
        return [envelope["data"]["data"].get("prompt_id") for envelope in self.envelopes]


class Receiver:
    """A threaded HTTP server on a free port that verifies and records every POST.

    ``respond(index)`` decides the answer to the index-th request (0-based) and
    returns (status, headers); it may block to simulate a hanging receiver.
    ``answer(delivery)``, when given instead, decides from the verified delivery
    itself (what it carries), so a test can refuse one prompt and accept others.
    """

    def __init__(self, respond=None, key=KEY, answer=None):
        self.key = key
        self.respond = respond or (lambda index: (200, {}))
        self.answer = answer
        self.deliveries = []
        self.errors = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver._handle(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhooks/comfyui"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handle(self, handler):
        body = handler.rfile.read(int(handler.headers.get("Content-Length", "0")))
        header_names = list(handler.headers.keys())
        headers = {name.lower(): value for name, value in handler.headers.items()}
        problems = verify(self.key, headers, header_names, body, time.time())
        delivery = None
        with self._lock:
            index = len(self.deliveries) + len(self.errors)
            if problems:
                self.errors.append(problems)
            else:
                delivery = Delivery(header_names, headers, body, time.monotonic())
                self.deliveries.append(delivery)
        if problems:
            status, extra = 400, {}
        elif self.answer is not None:
            status, extra = self.answer(delivery)
        else:
            status, extra = self.respond(index)
        handler.send_response(status)
        for name, value in extra.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def wait_for(self, count, timeout=5.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if len(self.deliveries) + len(self.errors) >= count:
                    return True
            time.sleep(0.01)
        return False

    def envelopes(self):
        with self._lock:
            return [envelope for delivery in self.deliveries for envelope in delivery.envelopes]

    def types(self):
        return [envelope["data"]["type"] for envelope in self.envelopes()]


def verify(key, headers, header_names, body, now):
    """Standard Webhooks verification plus the envelope shape ComfyJobs accepts; returns the problems found."""
    problems = []
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        if name not in header_names:
            problems.append(f"header {name} missing or not lower case: {header_names}")
    if problems:
        return problems
    message_id = headers["webhook-id"]
    if not re.fullmatch(r"msg_[A-Za-z0-9_-]{8,}", message_id):
        problems.append(f"bad webhook-id {message_id!r}")
    raw_timestamp = headers["webhook-timestamp"]
    if not re.fullmatch(r"\d+", raw_timestamp):
        return problems + [f"bad webhook-timestamp {raw_timestamp!r}"]
    if abs(now - int(raw_timestamp)) > TOLERANCE_SECONDS:
        problems.append(f"webhook-timestamp {raw_timestamp} outside tolerance")
    signed = message_id.encode() + b"." + raw_timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [part[3:] for part in headers["webhook-signature"].split(" ") if part.startswith("v1,")]
    if not any(hmac.compare_digest(signature, expected) for signature in offered):
        problems.append("no valid v1 signature")
    if headers.get("content-type") != "application/json":
        problems.append(f"content-type {headers.get('content-type')!r}")
    try:
        parsed = json.loads(body.decode("utf-8"))
    except ValueError as err:
        return problems + [f"body is not UTF-8 JSON: {err}"]
    if json.dumps(parsed, separators=(",", ":"), ensure_ascii=False).encode("utf-8") != body:
        problems.append("body is not compact JSON")
    for envelope in parsed if isinstance(parsed, list) else [parsed]:
        problems += envelope_problems(envelope)
    return problems


def envelope_problems(envelope):
    if not isinstance(envelope, dict) or set(envelope) != {"event", "data", "metadata"}:
        return [f"envelope keys wrong: {envelope!r}"]
    inner = envelope["data"]
    if not isinstance(inner, dict) or set(inner) != {"type", "data"}:
        return [f"envelope data keys wrong: {inner!r}"]
    problems = []
    if envelope["event"] != "comfy." + str(inner["type"]):
        problems.append(f"event {envelope['event']!r} does not match type {inner['type']!r}")
    metadata = envelope["metadata"]
    if not isinstance(metadata, dict) or metadata.get("source") != "comfyui-webhook":
        problems.append(f"metadata wrong: {metadata!r}")
    return problems


def sample_event_data(prompt_id="p-1"):
    """One realistic payload for each event type ComfyUI sends through send_sync."""
    return [
        ("status", {"status": {"exec_info": {"queue_remaining": 1}}}),
        ("execution_start", {"prompt_id": prompt_id, "timestamp": 1760000000000}),
        ("execution_cached", {"nodes": ["4"], "prompt_id": prompt_id, "timestamp": 1760000000001}),
        ("executing", {"node": "3", "display_node": "3", "prompt_id": prompt_id}),
        ("progress_state", {"prompt_id": prompt_id, "nodes": {"3": {
            "value": 1, "max": 20, "state": "running", "node_id": "3", "prompt_id": prompt_id,
            "display_node_id": "3", "parent_node_id": None, "real_node_id": "3"}}}),
        ("progress", {"value": 1, "max": 20, "prompt_id": prompt_id, "node": "3"}),
        ("executed", {"node": "9", "display_node": "9", "prompt_id": prompt_id, "output": {
            "images": [{"filename": "ComfyUI_00001_.png", "subfolder": "", "type": "output"}]}}),
        ("execution_error", {"prompt_id": prompt_id, "node_id": "3", "node_type": "KSampler",
                             "executed": ["4"], "exception_message": "CUDA out of memory – ünïcode",
                             "exception_type": "torch.OutOfMemoryError", "traceback": ["line 1"],
                             "current_inputs": {"seed": [1]}, "current_outputs": {},
                             "timestamp": 1760000000002}),
        ("execution_interrupted", {"prompt_id": prompt_id, "node_id": "3", "node_type": "KSampler",
                                   "executed": [], "timestamp": 1760000000003}),
        ("execution_success", {"prompt_id": prompt_id, "timestamp": 1760000000004}),
    ]
