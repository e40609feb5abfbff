import dataclasses
import itertools
import socket
import threading
import time
import unittest

from webhook_support import Receiver, bridge_environ

from comfyjobs_webhook.config import load_config
from comfyjobs_webhook.sender import MAX_BATCH_BYTES, Sender


def progress(value, prompt_id="p", maximum=20):
    return "progress", {"value": value, "max": maximum, "prompt_id": prompt_id, "node": "3"}


def progress_state(value, prompt_id="p"):
    return "progress_state", {"prompt_id": prompt_id, "nodes": {"3": {
        "value": value, "max": 20, "state": "running", "node_id": "3"}}}


def lifecycle(event, prompt_id="p"):
    return event, {"prompt_id": prompt_id}


def wait_until(condition, timeout):
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


class DeliveryTest(unittest.TestCase):
    def setUp(self):
        self.senders = []

    def tearDown(self):
        for sender in self.senders:
            sender.close(0.5)

    def sender(self, url, wall_clock=time.time, start=True, **changes):
        environ = bridge_environ(url, **{name: value for name, value in changes.items()
                                         if isinstance(value, str)})
        config = load_config(environ)
        config = dataclasses.replace(
            config, backoff_initial=0.01, backoff_cap=0.05, timeout=2.0,
            **{name: value for name, value in changes.items() if not isinstance(value, str)})
        sender = Sender(config, wall_clock=wall_clock)
        self.senders.append(sender)
        if start:
            sender.start()
        return sender

    def submit_all(self, sender, events):
        for event, data in events:
            sender.submit(event, data)

    def test_500_then_200_retries_with_the_same_id_and_a_fresh_timestamp_and_signature(self):
        answers = iter([500, 503, 200])
        base = int(time.time()) - 60
        ticks = itertools.count()

        def wall_clock():
            return base + 10 * next(ticks)

        with Receiver(lambda index: (next(answers, 200), {})) as receiver:
            sender = self.sender(receiver.url, wall_clock=wall_clock, start=False)
            self.submit_all(sender, [lifecycle("execution_start"), lifecycle("execution_success")])
            sender.start()
            self.assertTrue(sender.flush(5))
            self.assertEqual(receiver.errors, [])
            first, second, third, fourth = receiver.deliveries
            self.assertEqual({first.message_id, second.message_id, third.message_id}, {first.message_id})
            self.assertLess(first.timestamp, second.timestamp)
            self.assertLess(second.timestamp, third.timestamp)
            signatures = {d.headers["webhook-signature"] for d in (first, second, third)}
            self.assertEqual(len(signatures), 3)
            self.assertEqual(first.body, third.body)
            self.assertNotEqual(fourth.message_id, first.message_id)
            self.assertEqual([d.types[0] for d in receiver.deliveries],
                             ["execution_start"] * 3 + ["execution_success"])
            stats = sender.stats()
            self.assertEqual((stats["delivered"], stats["failed"], stats["requests"]), (2, 0, 4))

    def test_gives_up_after_max_attempts_when_nobody_listens(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        sender = self.sender(f"http://127.0.0.1:{port}/hook", max_attempts="3")
        with self.assertLogs("comfyjobs_webhook", "WARNING") as logs:
            self.submit_all(sender, [lifecycle("execution_success")])
            self.assertTrue(sender.flush(5))
        stats = sender.stats()
        self.assertEqual((stats["requests"], stats["failed"], stats["delivered"]), (3, 1, 0))
        self.assertEqual(len(logs.records), 2)
        self.assertIn("could not reach http://127.0.0.1:", logs.output[0])
        self.assertIn("after 3 attempts", logs.output[1])

    def test_retry_after_is_honoured(self):
        with Receiver(lambda index: (429, {"Retry-After": "1"}) if index == 0 else (200, {})) as receiver:
            sender = self.sender(receiver.url)
            self.submit_all(sender, [lifecycle("execution_success")])
            self.assertTrue(sender.flush(5))
            first, second = receiver.deliveries
            self.assertEqual(first.message_id, second.message_id)
            self.assertGreaterEqual(second.received_at - first.received_at, 0.95)

    def test_410_stops_all_sending(self):
        with Receiver(lambda index: (410, {})) as receiver:
            sender = self.sender(receiver.url, start=False)
            self.submit_all(sender, [lifecycle("execution_start"), progress(1), lifecycle("executed")])
            with self.assertLogs("comfyjobs_webhook", "ERROR") as logs:
                sender.start()
                self.assertTrue(sender.flush(5))
            self.assertIn("410", logs.output[0])
            self.submit_all(sender, [lifecycle("execution_success")])
            for thread in sender._threads:
                thread.join(2)
            self.assertFalse(any(thread.is_alive() for thread in sender._threads))
            self.assertEqual(len(receiver.deliveries), 1)
            stats = sender.stats()
            self.assertTrue(stats["gone"])
            self.assertEqual((stats["submitted"], stats["failed"], stats["dropped"]), (3, 1, 2))

    def test_other_4xx_and_redirects_are_not_retried(self):
        answers = {0: (400, {}), 1: (422, {}), 2: (400, {}), 3: (307, {"Location": "http://127.0.0.1:9/"})}
        with Receiver(lambda index: answers.get(index, (200, {}))) as receiver:
            sender = self.sender(receiver.url)
            with self.assertLogs("comfyjobs_webhook", "WARNING") as logs:
                self.submit_all(sender, [lifecycle("execution_start"), lifecycle("executed"),
                                         lifecycle("execution_error"), lifecycle("execution_success")])
                self.assertTrue(sender.flush(5))
            self.assertEqual(len(receiver.deliveries), 4)
            self.assertEqual(len({d.message_id for d in receiver.deliveries}), 4)
            self.assertEqual(len(logs.records), 3)
            stats = sender.stats()
            self.assertEqual((stats["failed"], stats["requests"]), (4, 4))

    def test_full_queue_drops_progress_before_lifecycle_events(self):
        with Receiver() as receiver:
            sender = self.sender(receiver.url, start=False, queue_size="4")
            events = ([lifecycle("execution_start")] + [progress(v) for v in range(1, 6)]
                      + [lifecycle("executed")] + [progress(6), progress(7)]
                      + [lifecycle("execution_success")])
            with self.assertLogs("comfyjobs_webhook", "WARNING"):
                self.submit_all(sender, events)
            self.assertEqual(sender.stats()["dropped"], 6)
            sender.start()
            self.assertTrue(sender.flush(5))
            self.assertEqual(receiver.types(), ["execution_start", "executed", "progress", "execution_success"])
            self.assertEqual(receiver.envelopes()[2]["data"]["data"]["value"], 7)

    def test_a_queue_of_only_lifecycle_events_overflows_to_twice_its_size_then_counts_losses(self):
        sender = self.sender("http://127.0.0.1:9/", start=False, queue_size="2")
        with self.assertLogs("comfyjobs_webhook", "WARNING") as logs:
            self.submit_all(sender, [lifecycle("executed", f"p{n}") for n in range(5)] + [progress(1)])
            stats = sender.stats()
            sender.close(0)
        self.assertEqual((stats["queued"], stats["dropped"]), (4, 2))
        self.assertEqual(len(logs.records), 3)
        self.assertIn("4 events were still queued at shutdown", logs.output[2])

    def test_coalescing_keeps_the_latest_progress_and_sends_it_before_the_next_event(self):
        with Receiver() as receiver:
            sender = self.sender(receiver.url, coalesce_ms="300")
            events = [lifecycle("execution_start"), ("executing", {"node": "3", "prompt_id": "p"})]
            for value in range(1, 21):
                events += [progress_state(value), progress(value)]
            events += [lifecycle("executed"), lifecycle("execution_success")]
            self.submit_all(sender, events)
            self.assertTrue(sender.flush(5))
            self.assertEqual(receiver.types(), [
                "execution_start", "executing", "progress_state", "progress",
                "progress_state", "progress", "executed", "execution_success"])
            values = [e["data"]["data"].get("value") for e in receiver.envelopes() if e["data"]["type"] == "progress"]
            self.assertEqual(values, [1, 20])
            self.assertEqual(sender.stats()["superseded"], 36)

    def test_coalescing_releases_held_progress_when_the_window_ends(self):
        with Receiver() as receiver:
            sender = self.sender(receiver.url, coalesce_ms="200")
            self.submit_all(sender, [progress(1), progress(2), progress(3), progress(1, prompt_id="other")])
            self.assertTrue(receiver.wait_for(3, timeout=3))
            delivered = [(e["data"]["data"]["prompt_id"], e["data"]["data"]["value"]) for e in receiver.envelopes()]
            self.assertEqual(delivered, [("p", 1), ("other", 1), ("p", 3)])
            gap = receiver.deliveries[2].received_at - receiver.deliveries[0].received_at
            self.assertGreaterEqual(gap, 0.15)
            self.assertEqual(sender.stats()["superseded"], 1)

    def test_batching_posts_json_arrays_with_one_id_each(self):
        with Receiver() as receiver:
            sender = self.sender(receiver.url, start=False, batch="3")
            self.submit_all(sender, [progress(v) for v in range(1, 7)] + [lifecycle("execution_success")])
            sender.start()
            self.assertTrue(sender.flush(5))
            self.assertEqual(receiver.errors, [])
            self.assertEqual([len(d.envelopes) for d in receiver.deliveries], [3, 3, 1])
            self.assertTrue(all(d.is_batch for d in receiver.deliveries))
            self.assertEqual(len({d.message_id for d in receiver.deliveries}), 3)
            self.assertEqual(receiver.types(), ["progress"] * 6 + ["execution_success"])

    def test_a_batch_holds_one_prompts_events(self):
        with Receiver() as receiver:
            sender = self.sender(receiver.url, start=False, batch="3")
            self.submit_all(sender, [lifecycle("execution_start", "p"), lifecycle("execution_start", "q"),
                                     lifecycle("execution_success", "p"), lifecycle("execution_success", "q")])
            sender.start()
            self.assertTrue(sender.flush(5))
            self.assertEqual([d.prompt_ids for d in receiver.deliveries], [["p", "p"], ["q", "q"]])

    def test_a_batch_stops_growing_before_the_receivers_body_limit(self):
        big = "x" * (100 * 1024)
        with Receiver() as receiver:
            sender = self.sender(receiver.url, start=False, batch="20")
            self.submit_all(sender, [("executed", {"prompt_id": "p", "node": str(n), "output": {"text": [big]}})
                                     for n in range(5)])
            sender.start()
            self.assertTrue(sender.flush(5))
            self.assertEqual([len(d.envelopes) for d in receiver.deliveries], [2, 2, 1])
            self.assertTrue(all(len(d.body) <= MAX_BATCH_BYTES for d in receiver.deliveries))
            self.assertEqual(receiver.types(), ["executed"] * 5)

    def test_text_is_sent_as_utf8_and_metadata_is_merged(self):
        with Receiver() as receiver:
            sender = self.sender(receiver.url, metadata='{"machine": "gpu-1"}')
            sender.submit("execution_error", {"prompt_id": "p", "exception_message": "naïve ✓"})
            self.assertTrue(sender.flush(5))
            delivery, = receiver.deliveries
            self.assertIn("naïve ✓".encode("utf-8"), delivery.body)
            self.assertEqual(delivery.envelopes[0]["metadata"], {"source": "comfyui-webhook", "machine": "gpu-1"})

    def test_close_delivers_what_is_queued(self):
        with Receiver() as receiver:
            sender = self.sender(receiver.url, start=False)
            self.submit_all(sender, [lifecycle("execution_start"), lifecycle("execution_success")])
            sender.start()
            sender.close(2.0)
            self.assertEqual(receiver.types(), ["execution_start", "execution_success"])
            sender.submit(*lifecycle("executed"))
            self.assertEqual(sender.stats()["submitted"], 2)

    def test_close_gives_up_within_its_timeout_when_the_receiver_hangs(self):
        release = threading.Event()
        arrived = threading.Event()

        def hang(index):
            arrived.set()
            release.wait(10)
            return 200, {}

        with Receiver(hang) as receiver:
            sender = self.sender(receiver.url)
            self.submit_all(sender, [lifecycle("execution_start"), lifecycle("execution_success")])
            # the first event is in flight (and hangs) before close, so the second is still queued
            self.assertTrue(arrived.wait(5))
            started = time.monotonic()
            with self.assertLogs("comfyjobs_webhook", "WARNING"):
                sender.close(0.5)
            self.assertLess(time.monotonic() - started, 1.5)
            self.assertEqual(sender.stats()["dropped"], 1)
            release.set()

    # One prompt's retries against the others'. ComfyUI runs prompts one after the
    # other, so deliveries that failed while the receiver was down (or that it
    # refuses for that prompt alone) must not make a later prompt's events wait.

    def test_a_refused_prompt_holds_back_no_other_prompt(self):
        arrived = threading.Event()

        def answer(delivery):
            if delivery.prompt_ids == ["a"]:
                return 503, {"Retry-After": "30"}
            if delivery.types == ["execution_success"]:
                arrived.set()
            return 200, {}

        with Receiver(answer=answer) as receiver:
            sender = self.sender(receiver.url, start=False)
            self.submit_all(sender, [lifecycle("execution_start", "a"), lifecycle("execution_success", "a"),
                                     lifecycle("execution_start", "b"), lifecycle("executed", "b"),
                                     lifecycle("execution_success", "b")])
            sender.start()
            # b's last event arrives while a's first delivery still waits out its 30 s Retry-After.
            self.assertTrue(arrived.wait(5), "b's events waited behind a's retry")
            received = [(d.prompt_ids[0], d.types[0]) for d in receiver.deliveries]
            self.assertEqual(received, [("a", "execution_start"), ("b", "execution_start"),
                                        ("b", "executed"), ("b", "execution_success")])
            # The receiver saw b's last event before it answered it; the sender counts it once answered.
            self.assertTrue(wait_until(lambda: sender.stats()["delivered"] == 3, 5))
            stats = sender.stats()
            self.assertEqual((stats["retrying"], stats["queued"]), (1, 1), "a's next event waits behind a's own retry")

    def test_a_retry_in_flight_holds_back_no_other_prompt_and_gives_up_after_its_attempts(self):
        others_arrived = threading.Event()

        def answer(delivery):
            if delivery.prompt_ids == ["a"]:
                attempt = sum(1 for d in receiver.deliveries if d.message_id == delivery.message_id)
                if attempt == 2:
                    # a's retry is still in flight when b's events must get through.
                    others_arrived.wait(5)
                return 503, {}
            if delivery.types == ["execution_success"]:
                others_arrived.set()
            return 200, {}

        # A clock that moves 10 s per attempt, so that every attempt's timestamp (and signature) differs.
        base = int(time.time()) - 60
        ticks = itertools.count()

        def wall_clock():
            return base + 10 * next(ticks)

        with Receiver(answer=answer) as receiver:
            sender = self.sender(receiver.url, wall_clock=wall_clock, start=False, max_attempts="3")
            self.submit_all(sender, [lifecycle("execution_start", "a"), lifecycle("execution_start", "b"),
                                     lifecycle("execution_success", "a"), lifecycle("execution_success", "b")])
            with self.assertLogs("comfyjobs_webhook", "WARNING") as logs:
                sender.start()
                self.assertTrue(sender.flush(10))
            self.assertEqual(receiver.errors, [])
            a_deliveries = [d for d in receiver.deliveries if d.prompt_ids == ["a"]]
            b_success = next(d for d in receiver.deliveries if d.prompt_ids == ["b"] and d.types == ["execution_success"])
            self.assertLess(receiver.deliveries.index(b_success), receiver.deliveries.index(a_deliveries[2]),
                            "b's events arrived while a's second attempt hung")
            self.assertEqual([d.types[0] for d in a_deliveries],
                             ["execution_start"] * 3 + ["execution_success"] * 3,
                             "each of a's deliveries is given up after 3 attempts, in a's order")
            first_id = a_deliveries[0].message_id
            self.assertEqual({d.message_id for d in a_deliveries[:3]}, {first_id})
            self.assertEqual(len({(d.timestamp, d.headers["webhook-signature"]) for d in a_deliveries[:3]}), 3,
                             "every attempt is signed anew")
            stats = sender.stats()
            self.assertEqual((stats["delivered"], stats["failed"], stats["requests"], stats["retrying"]),
                             (2, 2, 8, 0))
            self.assertIn("after 3 attempts", logs.output[0])

    def test_close_gives_up_a_retry_that_would_come_after_its_deadline(self):
        with Receiver(lambda index: (503, {"Retry-After": "30"})) as receiver:
            sender = self.sender(receiver.url)
            self.submit_all(sender, [lifecycle("execution_start")])
            self.assertTrue(receiver.wait_for(1))
            started = time.monotonic()
            sender.close(5)
            self.assertLess(time.monotonic() - started, 4, "close did not wait for a retry it could never make")
            stats = sender.stats()
            self.assertEqual((stats["failed"], stats["retrying"], stats["requests"]), (1, 0, 1))


if __name__ == "__main__":
    unittest.main()
