#!/usr/bin/env python3
"""Posts one successful prompt's ComfyUI event sequence through the bridge's own sender.

    python3 tools/send_sample.py --url URL --secret whsec_... [--prompt-id ID] [--batch N]

Exit status: 0 when every event was delivered (HTTP 2xx), 1 when any was not,
2 for invalid arguments.
"""

import argparse
import logging
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from comfyjobs_webhook.config import (  # noqa: E402
    BATCH_VAR, COALESCE_MS_VAR, EVENTS_VAR, KNOWN_EVENTS, MAX_ATTEMPTS_VAR, MAX_BATCH, SECRET_VAR, TIMEOUT_VAR,
    URL_VAR, ConfigError, load_config)
from comfyjobs_webhook.sender import Sender  # noqa: E402


def sample_events(prompt_id, steps):
    """The events ComfyUI reports for a txt2img prompt whose loaders were cached."""
    def now_ms():
        return int(time.time() * 1000)

    events = [
        ("execution_start", {"prompt_id": prompt_id, "timestamp": now_ms()}),
        ("execution_cached", {"nodes": ["4", "6", "7"], "prompt_id": prompt_id, "timestamp": now_ms()}),
        ("executing", {"node": "3", "display_node": "3", "prompt_id": prompt_id}),
    ]
    events += [("progress", {"value": step, "max": steps, "prompt_id": prompt_id, "node": "3"})
               for step in range(1, steps + 1)]
    events += [
        ("progress_state", {"prompt_id": prompt_id, "nodes": {"3": {
            "value": steps, "max": steps, "state": "finished", "node_id": "3", "prompt_id": prompt_id,
            "display_node_id": "3", "parent_node_id": None, "real_node_id": "3"}}}),
        ("executed", {"node": "9", "display_node": "9", "prompt_id": prompt_id, "output": {"images": [
            {"filename": "ComfyUI_00001_.png", "subfolder": "", "type": "output"}]}}),
        ("execution_success", {"prompt_id": prompt_id, "timestamp": now_ms()}),
        ("executing", {"node": None, "prompt_id": prompt_id}),
    ]
    return events


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="webhook endpoint (http or https)")
    parser.add_argument("--secret", required=True, help="signing secret, whsec_<base64> or base64")
    parser.add_argument("--prompt-id", default=None, help="prompt id to report (default: a new UUID)")
    parser.add_argument("--batch", type=int, default=1,
                        help=f"envelopes per POST, 1 to {MAX_BATCH} (default 1: one per POST)")
    parser.add_argument("--steps", type=int, default=5, help="number of progress events (default 5)")
    parser.add_argument("--max-attempts", type=int, default=3, help="attempts per delivery (default 3)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    parser.add_argument("--wait", type=float, default=60.0,
                        help="seconds to wait for all deliveries before failing (default 60)")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error("--steps must be at least 1")

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    # The CLI flags go through the same validation as the environment in ComfyUI.
    try:
        config = load_config({
            URL_VAR: args.url,
            SECRET_VAR: args.secret,
            BATCH_VAR: str(args.batch),
            MAX_ATTEMPTS_VAR: str(args.max_attempts),
            TIMEOUT_VAR: str(args.timeout),
            # Every event of the sample, each progress included, is meant to reach the receiver.
            EVENTS_VAR: ",".join(sorted(KNOWN_EVENTS)),
            COALESCE_MS_VAR: "0",
        })
    except ConfigError as err:
        parser.error(f"{err} (set through the matching command-line flag)")
    if config is None:
        parser.error("--url must not be empty")

    prompt_id = args.prompt_id or str(uuid.uuid4())
    events = sample_events(prompt_id, args.steps)
    sender = Sender(config)
    # Queued before the sender starts, so --batch N really fills each POST.
    for event, data in events:
        sender.submit(event, data)
    sender.start()
    finished = sender.flush(args.wait)
    sender.close(0)
    stats = sender.stats()

    ok = finished and stats["delivered"] == len(events)
    print(f"prompt {prompt_id}: {stats['delivered']} of {len(events)} events delivered "
          f"in {stats['requests']} requests"
          + ("" if ok else f", {stats['failed'] + stats['dropped']} not delivered"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
