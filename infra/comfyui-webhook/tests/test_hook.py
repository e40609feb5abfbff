import copy
import threading
import time
import unittest

from webhook_support import FakeServerModule, Receiver, bridge_environ, sample_event_data

from comfyjobs_webhook import hook


class HookTest(unittest.TestCase):
    def setUp(self):
        self.senders = []

    def tearDown(self):
        for sender in self.senders:
            sender.close(0.5)

    def start(self, environ):
        sender = hook.start(environ)
        if sender is not None:
            self.senders.append(sender)
        return sender

    def test_forwards_every_event_type_after_calling_the_original_unchanged(self):
        with Receiver() as receiver, FakeServerModule() as fake:
            sender = self.start(bridge_environ(receiver.url))
            self.assertIsNotNone(sender)
            events = sample_event_data()
            snapshots = copy.deepcopy(events)
            server = fake.PromptServer.instance
            for index, (event, data) in enumerate(events):
                sid = "client-1" if index % 2 else None
                self.assertEqual(server.send_sync(event, data, sid), "original-result")

            self.assertEqual(fake.calls, [(event, data, "client-1" if index % 2 else None)
                                          for index, (event, data) in enumerate(events)])
            for (_, recorded, _), (_, data) in zip(fake.calls, events):
                self.assertIs(recorded, data)
            self.assertEqual(events, snapshots)

            self.assertTrue(sender.flush(5))
            self.assertEqual(receiver.errors, [])
            self.assertEqual(receiver.types(), [event for event, _ in events])
            for envelope, (event, data) in zip(receiver.envelopes(), events):
                self.assertEqual(envelope, {"event": "comfy." + event,
                                            "data": {"type": event, "data": data},
                                            "metadata": {"source": "comfyui-webhook"}})

    def test_original_runs_before_the_bridge_sees_the_event(self):
        with Receiver() as receiver, FakeServerModule(with_instance=False) as fake:
            timeline = []

            class OrderedServer(fake.PromptServer):
                def send_sync(self, event, data, sid=None):
                    timeline.append(("original", event))
                    return "ordered"

            OrderedServer()
            sender = self.start(bridge_environ(receiver.url))
            original_submit = sender.submit

            def recording_submit(event, data):
                timeline.append(("bridge", event))
                original_submit(event, data)

            sender.submit = recording_submit
            server = fake.PromptServer.instance
            self.assertEqual(server.send_sync("executing", {"node": "3"}), "ordered")
            self.assertEqual(server.send_sync(event="status", data={}, sid="c"), "ordered")
            self.assertEqual(timeline, [("original", "executing"), ("bridge", "executing"),
                                        ("original", "status"), ("bridge", "status")])
            self.assertTrue(sender.flush(5))
            self.assertEqual(receiver.types(), ["executing", "status"])

    def test_event_filter(self):
        with Receiver() as receiver, FakeServerModule() as fake:
            sender = self.start(bridge_environ(receiver.url, events="execution_success, execution_error"))
            for event, data in sample_event_data():
                fake.PromptServer.instance.send_sync(event, data)
            self.assertTrue(sender.flush(5))
            self.assertEqual(receiver.types(), ["execution_error", "execution_success"])
            self.assertEqual(len(fake.calls), 10)

    def test_binary_events_are_passed_to_comfyui_but_not_forwarded(self):
        with Receiver() as receiver, FakeServerModule() as fake:
            sender = self.start(bridge_environ(receiver.url))
            server = fake.PromptServer.instance
            server.send_sync(1, b"\x00\x00\x00\x01jpeg-bytes", "client-1")
            server.send_sync(4, (object(), {"node_id": "3"}), "client-1")
            server.send_sync("execution_success", {"prompt_id": "p"})
            self.assertTrue(sender.flush(5))
            self.assertEqual(receiver.types(), ["execution_success"])
            self.assertEqual([call[0] for call in fake.calls], [1, 4, "execution_success"])
            self.assertEqual(sender.stats()["submitted"], 1)

    def test_send_sync_returns_at_once_while_the_receiver_hangs(self):
        release = threading.Event()

        def hang(index):
            release.wait(10)
            return 200, {}

        with Receiver(hang) as receiver, FakeServerModule() as fake:
            sender = self.start(bridge_environ(receiver.url, queue_size="50"))
            server = fake.PromptServer.instance
            started = time.monotonic()
            with self.assertLogs("comfyjobs_webhook", "WARNING") as logs:
                for step in range(500):
                    server.send_sync("progress", {"value": step, "max": 500, "prompt_id": "p", "node": "3"})
                    server.send_sync("progress_state", {"prompt_id": "p", "nodes": {}})
                server.send_sync("execution_success", {"prompt_id": "p"})
            elapsed = time.monotonic() - started
            self.assertIn("queue full", logs.output[0])
            self.assertLess(elapsed, 1.0)
            self.assertEqual(len(fake.calls), 1001)
            release.set()
            self.assertTrue(sender.flush(10))
            self.assertEqual(receiver.types()[-1], "execution_success")

    def test_an_event_the_bridge_cannot_encode_never_breaks_comfyui(self):
        with Receiver() as receiver, FakeServerModule() as fake:
            sender = self.start(bridge_environ(receiver.url))
            server = fake.PromptServer.instance
            with self.assertLogs("comfyjobs_webhook", "ERROR") as logs:
                for _ in range(3):
                    self.assertEqual(server.send_sync("executed", {("tuple", "key"): 1}), "original-result")
            self.assertEqual(len(logs.records), 1)
            server.send_sync("executed", {"prompt_id": "p", "value": float("nan"), "obj": object()})
            self.assertTrue(sender.flush(5))
            data = receiver.envelopes()[0]["data"]["data"]
            self.assertIsNone(data["value"])
            self.assertTrue(data["obj"].startswith("<object object"))

    def test_installing_twice_does_not_wrap_twice(self):
        with Receiver() as receiver, FakeServerModule() as fake:
            first = self.start(bridge_environ(receiver.url))
            with self.assertLogs("comfyjobs_webhook", "INFO") as logs:
                second = self.start(bridge_environ(receiver.url))
            self.assertIsNotNone(first)
            self.assertIsNone(second)
            self.assertIn("already installed", logs.output[0])
            fake.PromptServer.instance.send_sync("execution_success", {"prompt_id": "p"})
            self.assertTrue(first.flush(5))
            self.assertEqual(len(fake.calls), 1)
            self.assertEqual(receiver.types(), ["execution_success"])

    def test_installs_lazily_on_the_class_before_the_server_exists(self):
        with Receiver() as receiver, FakeServerModule(with_instance=False) as fake:
            sender = self.start(bridge_environ(receiver.url))
            self.assertIsNotNone(sender)
            self.assertIsNone(self.start(bridge_environ(receiver.url)))
            server = fake.PromptServer()
            self.assertIsNone(self.start(bridge_environ(receiver.url)))
            self.assertEqual(server.send_sync("execution_start", {"prompt_id": "p"}, "c"), "original-result")
            self.assertTrue(sender.flush(5))
            self.assertEqual(fake.calls, [("execution_start", {"prompt_id": "p"}, "c")])
            self.assertEqual(receiver.types(), ["execution_start"])

    def test_invalid_configuration_leaves_comfyui_untouched(self):
        cases = {
            "COMFYJOBS_WEBHOOK_URL": {"COMFYJOBS_WEBHOOK_URL": "ftp://example.com/hook",
                                      "COMFYJOBS_WEBHOOK_SECRET": "whsec_AAAA"},
            "COMFYJOBS_WEBHOOK_SECRET": {"COMFYJOBS_WEBHOOK_URL": "https://example.com/hook",
                                         "COMFYJOBS_WEBHOOK_SECRET": "whsec_not base64!"},
            "COMFYJOBS_WEBHOOK_QUEUE_SIZE": {"COMFYJOBS_WEBHOOK_URL": "https://example.com/hook",
                                             "COMFYJOBS_WEBHOOK_SECRET": "AAAA",
                                             "COMFYJOBS_WEBHOOK_QUEUE_SIZE": "many"},
        }
        for variable, environ in cases.items():
            with self.subTest(variable), FakeServerModule() as fake:
                original = fake.PromptServer.instance.send_sync
                with self.assertLogs("comfyjobs_webhook", "ERROR") as logs:
                    self.assertIsNone(self.start(environ))
                self.assertIn(variable, logs.output[0])
                self.assertIn("disabled", logs.output[0])
                self.assertNotIn("send_sync", vars(fake.PromptServer.instance))
                self.assertEqual(fake.PromptServer.instance.send_sync, original)

    def test_without_url_the_bridge_stays_off(self):
        with FakeServerModule() as fake:
            self.assertIsNone(self.start({}))
            self.assertNotIn("send_sync", vars(fake.PromptServer.instance))

    def test_outside_comfyui_nothing_is_installed(self):
        self.assertIsNone(self.start(bridge_environ("http://127.0.0.1:9/")))


if __name__ == "__main__":
    unittest.main()
