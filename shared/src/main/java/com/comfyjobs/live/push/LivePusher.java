package com.comfyjobs.live.push;

import com.comfyjobs.job.ClaimedPush;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.Listening;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.live.LiveService;
import com.comfyjobs.live.LiveUpdates;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.query.JobEnvelope;
import com.comfyjobs.query.JobEventType;
import com.comfyjobs.query.JobViews;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@link LiveUpdates} through the API Gateway Management API: the job as GET shows it to its owner
 * (fresh artifact URLs included), in the envelope every push uses ({@link JobEnvelope}), posted to
 * each listening connection. The type says what happened: the terminal event when the job ended, its
 * new status ({@code job.queued}, {@code job.running}) when the status differs from the last push's,
 * else {@code job.progress}. A connection API Gateway answers 410 Gone for is closed: its listener
 * registrations are taken back ({@link LiveService#disconnect}). Nothing here fails the caller: a push
 * that does not go through is logged, and the listener reads the job with GET.
 *
 * <p>A push the throttle owes is made at its due time by a timer, never by the caller waiting: the
 * caller may be answering ComfyUI's bridge, which sends one delivery at a time for every job of its
 * server. In Lambda a container is frozen once it answers, so the timer may fire late (at the
 * container's next invocation) or never; the debt stays listed in its shard, and {@link #pushOwed},
 * run by the scheduled recovery function, makes whatever is overdue.
 */
public final class LivePusher implements LiveUpdates {
    /** API Gateway's limit for one WebSocket message. */
    public static final int MAX_MESSAGE_BYTES = 128 * 1024;
    /** Posts to the connections of one push at once, so a job with many listeners is not pushed one by one. */
    private static final int FAN_OUT_THREADS = 8;
    /** Owed pushes made per shard and sweep: four a second per job over a minute's quiet would not reach it. */
    private static final int SWEEP_PER_SHARD = 1000;

    /** Runs an owed push at its due time; tests move a clock and run it at once. */
    public interface Timer {
        void at(Instant due, Runnable push);
    }

    private final JobStore store;
    private final JobViews views;
    private final ManagementApi api;
    private final LiveService connections;
    private final Clock clock;
    private final Timer timer;
    private final ExecutorService fanOut = Executors.newFixedThreadPool(FAN_OUT_THREADS, r -> {
        Thread t = new Thread(r, "live-push");
        t.setDaemon(true);
        return t;
    });

    public LivePusher(JobStore store, JobViews views, ManagementApi api, LiveService connections, Clock clock, Timer timer) {
        this.store = store;
        this.views = views;
        this.api = api;
        this.connections = connections;
        this.clock = clock;
        this.timer = timer;
    }

    /** A timer thread of the container's own, on {@code clock}. */
    public static Timer timer(Clock clock) {
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "live-push-timer");
            t.setDaemon(true);
            return t;
        });
        return (due, push) -> thread.schedule(push, Math.max(0, Duration.between(clock.instant(), due).toMillis()), TimeUnit.MILLISECONDS);
    }

    @Override
    public void push(TransitionResult result) {
        Listening l = result.listening();
        switch (l.push()) {
            case NOW -> send(result.job(), l);
            case LATER -> timer.at(l.due(), () -> claim(l.jobId(), l.claim()));
            case NO -> {
            }
        }
    }

    @Override
    public void pushOwed() {
        Instant now = clock.instant();
        for (int shard = 0; shard < store.shardCount(); shard++) {
            try {
                for (String jobId : store.owedPushes(shard, now, SWEEP_PER_SHARD)) {
                    claim(jobId, null);
                }
            } catch (RuntimeException e) {
                JsonLog.error("owed pushes not swept", e, "shard", shard);
            }
        }
    }

    /** {@code claim} null: whatever push the job owes, if it is due. */
    private void claim(String jobId, String claim) {
        try {
            Optional<ClaimedPush> claimed = store.claimPush(jobId, claim, clock.instant());
            claimed.ifPresent(c -> send(c.job(), c.listening()));
        } catch (RuntimeException e) {
            JsonLog.error("owed push not made", e, "jobId", jobId);
        }
    }

    private void send(Job job, Listening l) {
        try {
            byte[] message = message(job, l.lastPushed());
            List<String> to = l.connections();
            if (to.size() == 1) {
                deliver(to.get(0), message);
                return;
            }
            List<CompletableFuture<Void>> posts = new ArrayList<>();
            for (String connection : to) {
                posts.add(CompletableFuture.runAsync(() -> deliver(connection, message), fanOut));
            }
            CompletableFuture.allOf(posts.toArray(CompletableFuture[]::new)).join();
        } catch (RuntimeException e) {
            JsonLog.error("push not made", e, "jobId", job.id());
        }
    }

    private void deliver(String connection, byte[] message) {
        if (api.post(connection, message) == ManagementApi.Outcome.GONE) {
            connections.disconnect(connection);
        }
    }

    /** The message for {@code job}; over API Gateway's limit, without its output and artifact lists and marked truncated. */
    byte[] message(Job job, JobStatus lastPushed) {
        JobEnvelope envelope = new JobEnvelope(type(job.status(), lastPushed), job.updatedAt(), views.of(job));
        byte[] whole = envelope.toJson().toString().getBytes(StandardCharsets.UTF_8);
        if (whole.length <= MAX_MESSAGE_BYTES) {
            return whole;
        }
        ObjectNode cut = envelope.toJson();
        ObjectNode data = (ObjectNode) cut.get("data");
        data.putArray("outputs");
        data.putArray("artifacts");
        data.remove("metadata");
        cut.put("truncated", true);
        return cut.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** What a push of a job in {@code status} reports, the previous push having carried {@code lastPushed}. */
    static JobEventType type(JobStatus status, JobStatus lastPushed) {
        Optional<JobEventType> ofStatus = JobEventType.ofStatus(status);
        if (ofStatus.isPresent() && (status.isTerminal() || status != lastPushed)) {
            return ofStatus.get();
        }
        return JobEventType.PROGRESS;
    }
}
