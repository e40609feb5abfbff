package com.comfyjobs.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The figures of one chaos run; -Dchaos.report=FILE appends them to the reliability document. */
final class ChaosReport {
    final int jobs;
    final AtomicInteger repeats = new AtomicInteger();
    final AtomicInteger cancels = new AtomicInteger();
    final AtomicInteger comfyRestarts = new AtomicInteger();
    final AtomicInteger redisRestarts = new AtomicInteger();
    final AtomicInteger attempts = new AtomicInteger();
    final AtomicInteger artifactsChecked = new AtomicInteger();
    final Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    volatile String webhooks = "";
    final AtomicInteger unavailable = new AtomicInteger();
    final AtomicInteger inProgress = new AtomicInteger();
    final AtomicInteger callbackEnds = new AtomicInteger();
    final AtomicInteger callbackEndRepeats = new AtomicInteger();
    final AtomicInteger callbackProgress = new AtomicInteger();
    final AtomicInteger callbacksAnswered503 = new AtomicInteger();
    volatile double seconds;

    ChaosReport(int jobs) {
        this.jobs = jobs;
    }

    void count(String status) {
        outcomes.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public String toString() {
        Map<String, Integer> o = new TreeMap<>();
        outcomes.forEach((k, v) -> o.put(k, v.get()));
        return String.format("chaos: %d jobs (%d submitted twice with the same key, %d cancel requests), ComfyUI restarts %d, Redis restarts %d,"
                        + " outcomes %s, extra attempts %d, artifacts compared byte for byte %d, requests answered 503 and retried %d, answered 409 (key held by a request cut short) and retried %d,"
                        + " webhooks %s, callbacks: ends received %d (%d of them a job's end again, same webhook-id), progress received %d,"
                        + " deliveries answered 503 by the receiver %d, %.0f s",
                jobs, repeats.get(), cancels.get(), comfyRestarts.get(), redisRestarts.get(), o, attempts.get(), artifactsChecked.get(),
                unavailable.get(), inProgress.get(), webhooks, callbackEnds.get(), callbackEndRepeats.get(), callbackProgress.get(),
                callbacksAnswered503.get(), seconds);
    }

    void writeIfAsked() throws IOException {
        String file = System.getProperty("chaos.report");
        if (file != null) {
            Files.writeString(Path.of(file), toString() + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        }
    }
}
