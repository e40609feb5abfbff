import unittest
from email.utils import formatdate

from webhook_support import KEY, PLAIN_SECRET, WHSEC_SECRET, Receiver, bridge_environ

from comfyjobs_webhook import envelope
from comfyjobs_webhook.config import DEFAULT_EVENTS, KNOWN_EVENTS, ConfigError, describe_url, load_config
from comfyjobs_webhook.sender import RETRY_AFTER_CAP, Sender, parse_retry_after
from comfyjobs_webhook.signing import MessageIds, SecretError, decode_secret, sign


class SigningTest(unittest.TestCase):
    def test_standard_webhooks_reference_vector(self):
        # The example published with the Standard Webhooks reference libraries.
        key = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        signature = sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
        self.assertEqual(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")

    def test_whsec_and_plain_base64_secrets_give_the_same_key(self):
        self.assertEqual(decode_secret(WHSEC_SECRET), KEY)
        self.assertEqual(decode_secret(PLAIN_SECRET), KEY)

    def test_invalid_secrets_are_rejected(self):
        for secret in ("whsec_", "whsec_abc", "not base64!", "whsec_" + PLAIN_SECRET.rstrip("=")):
            with self.subTest(secret), self.assertRaises(SecretError):
                decode_secret(secret)

    def test_message_ids_are_fresh_url_safe_and_numbered_in_a_row(self):
        self.assertEqual(len({MessageIds().next() for _ in range(3)}), 3, "each sender draws its own stem")
        numbered = MessageIds()
        ids = [numbered.next() for _ in range(100)]
        stem = ids[0][: -len("1")]
        self.assertEqual(ids, [stem + str(n) for n in range(1, 101)])
        self.assertRegex(stem, r"^msg_[A-Za-z0-9_-]{16}_$")

    def test_both_secret_forms_produce_deliveries_the_receiver_verifies(self):
        for secret in (WHSEC_SECRET, PLAIN_SECRET):
            with self.subTest(secret), Receiver() as receiver:
                sender = Sender(load_config(bridge_environ(receiver.url, secret=secret)))
                sender.start()
                sender.submit("execution_success", {"prompt_id": "p"})
                self.assertTrue(sender.flush(5))
                sender.close(0)
                self.assertEqual(receiver.errors, [])
                self.assertEqual(receiver.types(), ["execution_success"])

    def test_a_wrong_key_is_caught_by_the_receiver(self):
        with Receiver(key=b"another key") as receiver:
            sender = Sender(load_config(bridge_environ(receiver.url)))
            sender.start()
            with self.assertLogs("comfyjobs_webhook", "WARNING"):
                sender.submit("execution_success", {"prompt_id": "p"})
                self.assertTrue(sender.flush(5))
            sender.close(0)
            self.assertEqual(receiver.errors, [["no valid v1 signature"]])


class EnvelopeTest(unittest.TestCase):
    def test_compact_utf8_envelope(self):
        body = envelope.encode("progress", {"value": 5, "max": 20, "prompt_id": "é", "node": "3"},
                               {"source": "comfyui-webhook"})
        self.assertEqual(body, '{"event":"comfy.progress","data":{"type":"progress","data":'
                               '{"value":5,"max":20,"prompt_id":"é","node":"3"}},'
                               '"metadata":{"source":"comfyui-webhook"}}'.encode("utf-8"))

    def test_batch_is_a_json_array(self):
        self.assertEqual(envelope.encode_batch([b'{"a":1}', b'{"b":2}']), b'[{"a":1},{"b":2}]')


class ConfigTest(unittest.TestCase):
    def test_defaults(self):
        config = load_config({"COMFYJOBS_WEBHOOK_URL": "https://api.example.com/webhooks/comfyui",
                              "COMFYJOBS_WEBHOOK_SECRET": WHSEC_SECRET})
        self.assertEqual(config.key, KEY)
        self.assertEqual(config.events, DEFAULT_EVENTS)
        self.assertEqual(config.metadata, {"source": "comfyui-webhook"})
        self.assertEqual((config.queue_size, config.max_attempts, config.timeout, config.coalesce_ms,
                          config.batch, config.backoff_initial, config.backoff_cap),
                         (1000, 8, 10.0, 1000, 20, 0.5, 30.0))
        self.assertNotIn(PLAIN_SECRET, repr(config))

    def test_default_events_leave_out_only_what_the_receiver_does_without(self):
        # status has no prompt id; progress_state carries what executing and progress say
        self.assertEqual(KNOWN_EVENTS - DEFAULT_EVENTS, {"status", "executing", "progress"})

    def test_off_without_url(self):
        self.assertIsNone(load_config({}))
        self.assertIsNone(load_config({"COMFYJOBS_WEBHOOK_URL": "  ", "COMFYJOBS_WEBHOOK_SECRET": "x"}))

    def test_knobs(self):
        config = load_config(bridge_environ("http://localhost:8080/hook", events=" progress ,executed",
                                            queue_size="10", max_attempts="2", timeout="2.5",
                                            coalesce_ms="0", batch="20"))
        self.assertEqual(config.events, {"progress", "executed"})
        self.assertEqual((config.queue_size, config.max_attempts, config.timeout, config.coalesce_ms,
                          config.batch), (10, 2, 2.5, 0, 20))

    def test_every_invalid_value_names_its_variable(self):
        url = "https://api.example.com/hook"
        cases = [
            ("COMFYJOBS_WEBHOOK_URL", {"URL": "ftp://api.example.com/hook"}),
            ("COMFYJOBS_WEBHOOK_URL", {"URL": "https:///nohost"}),
            ("COMFYJOBS_WEBHOOK_SECRET", {"SECRET": ""}),
            ("COMFYJOBS_WEBHOOK_SECRET", {"SECRET": "whsec_%%%"}),
            ("COMFYJOBS_WEBHOOK_EVENTS", {"EVENTS": "execution_sucess"}),
            ("COMFYJOBS_WEBHOOK_METADATA", {"METADATA": "{not json"}),
            ("COMFYJOBS_WEBHOOK_METADATA", {"METADATA": "[1, 2]"}),
            ("COMFYJOBS_WEBHOOK_METADATA", {"METADATA": '{"source": "other"}'}),
            ("COMFYJOBS_WEBHOOK_QUEUE_SIZE", {"QUEUE_SIZE": "0"}),
            ("COMFYJOBS_WEBHOOK_MAX_ATTEMPTS", {"MAX_ATTEMPTS": "three"}),
            ("COMFYJOBS_WEBHOOK_TIMEOUT", {"TIMEOUT": "-1"}),
            ("COMFYJOBS_WEBHOOK_TIMEOUT", {"TIMEOUT": "nan"}),
            ("COMFYJOBS_WEBHOOK_COALESCE_MS", {"COALESCE_MS": "-5"}),
            ("COMFYJOBS_WEBHOOK_BATCH", {"BATCH": "1001"}),
        ]
        for variable, changes in cases:
            environ = {"COMFYJOBS_WEBHOOK_URL": url, "COMFYJOBS_WEBHOOK_SECRET": WHSEC_SECRET}
            environ.update({"COMFYJOBS_WEBHOOK_" + name: value for name, value in changes.items()})
            with self.subTest(changes), self.assertRaises(ConfigError) as raised:
                load_config(environ)
            self.assertIn(variable, str(raised.exception))
            self.assertNotIn(PLAIN_SECRET, str(raised.exception))

    def test_described_url_hides_credentials_path_and_query(self):
        self.assertEqual(describe_url("https://user:pw@api.example.com:8443/hook?token=t"),
                         "https://api.example.com:8443")


class RetryAfterTest(unittest.TestCase):
    def test_seconds_and_http_dates(self):
        now = 1_700_000_000.0
        self.assertEqual(parse_retry_after("7", now), 7.0)
        self.assertEqual(parse_retry_after(formatdate(now + 42, usegmt=True), now), 42.0)
        self.assertEqual(parse_retry_after(formatdate(now - 42, usegmt=True), now), 0.0)
        self.assertEqual(parse_retry_after("86400", now), RETRY_AFTER_CAP)
        self.assertIsNone(parse_retry_after("soon", now))
        self.assertIsNone(parse_retry_after(None, now))


if __name__ == "__main__":
    unittest.main()
