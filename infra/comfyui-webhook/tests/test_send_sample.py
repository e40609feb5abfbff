import os
import subprocess
import sys
import unittest

from webhook_support import BRIDGE_ROOT, WHSEC_SECRET, Receiver

SCRIPT = os.path.join(BRIDGE_ROOT, "tools", "send_sample.py")
SEQUENCE = (["execution_start", "execution_cached", "executing"] + ["progress"] * 5
            + ["progress_state", "executed", "execution_success", "executing"])


def run(*args):
    environ = {name: value for name, value in os.environ.items() if not name.startswith("COMFYJOBS_")}
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True,
                          timeout=30, env=environ)


class SendSampleTest(unittest.TestCase):
    def test_exits_0_when_every_event_is_delivered(self):
        with Receiver() as receiver:
            result = run("--url", receiver.url, "--secret", WHSEC_SECRET, "--prompt-id", "job-42")
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertEqual(receiver.errors, [])
            self.assertEqual(receiver.types(), SEQUENCE)
            self.assertEqual({e["data"]["data"]["prompt_id"] for e in receiver.envelopes()}, {"job-42"})
            executed = receiver.envelopes()[SEQUENCE.index("executed")]["data"]["data"]
            self.assertEqual(executed["output"]["images"][0]["type"], "output")
            self.assertIsNone(receiver.envelopes()[-1]["data"]["data"]["node"])
            self.assertIn("12 of 12 events delivered in 12 requests", result.stdout)

    def test_batches(self):
        with Receiver() as receiver:
            result = run("--url", receiver.url, "--secret", WHSEC_SECRET, "--batch", "5")
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertEqual([len(d.envelopes) for d in receiver.deliveries], [5, 5, 2])
            self.assertEqual(receiver.types(), SEQUENCE)

    def test_exits_non_zero_when_the_receiver_refuses(self):
        with Receiver(lambda index: (400, {})) as receiver:
            result = run("--url", receiver.url, "--secret", WHSEC_SECRET)
            self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
            self.assertEqual(len(receiver.deliveries), 12)
            self.assertIn("HTTP 400", result.stderr)

    def test_rejects_an_invalid_secret(self):
        result = run("--url", "http://127.0.0.1:9/", "--secret", "whsec_???")
        self.assertEqual(result.returncode, 2)
        self.assertIn("COMFYJOBS_WEBHOOK_SECRET", result.stderr)


if __name__ == "__main__":
    unittest.main()
