package com.comfyjobs.config;

import com.comfyjobs.job.JobType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The job service's rules.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>MAX_ACTIVE_JOBS_PER_USER</td><td>10</td><td>live jobs a user may have; beyond it submit answers 429</td></tr>
 * <tr><td>MAX_REQUEST_BYTES</td><td>1048576</td><td>largest accepted submit body; beyond it 413</td></tr>
 * <tr><td>IDEMPOTENCY_TTL_HOURS</td><td>24</td><td>how long an Idempotency-Key is remembered</td></tr>
 * <tr><td>DEDUPE_IDENTICAL_SECONDS</td><td>0</td><td>when above 0, identical submissions without a key within this window are one job</td></tr>
 * <tr><td>DISPATCH_LEASE_SECONDS</td><td>30</td><td>how long one worker owns a job's submission to ComfyUI; at least COMFYUI_REQUEST_TIMEOUT_MS + 5 s (checked by the Dispatcher), as the holder renews it before each call</td></tr>
 * <tr><td>STALE_AFTER_SECONDS</td><td>90</td><td>a live job without news for this long is reconciled by recovery</td></tr>
 * <tr><td>MAX_ATTEMPTS</td><td>3</td><td>submissions of one job to ComfyUI before it fails</td></tr>
 * <tr><td>MAX_RUNTIME_IMAGE_GENERATION, _FACE_SWAP, _LORA_TRAINING, _OTHER</td><td>PT10M, PT10M, PT2H, PT30M</td><td>ISO-8601 durations after which a job expires</td></tr>
 * <tr><td>MAX_QUEUE_AGE</td><td>PT1H</td><td>added to the runtime limit for a job that never started: one not started within both expires</td></tr>
 * <tr><td>WEBHOOK_EVENT_TTL_SECONDS</td><td>3600</td><td>how long applied webhook ids are remembered</td></tr>
 * <tr><td>FINALIZE_BUDGET_SECONDS</td><td>20</td><td>time a webhook spends copying outputs before leaving the rest to recovery</td></tr>
 * <tr><td>MAX_OUTPUTS_PER_JOB</td><td>1000</td><td>output files one job may report; beyond it the job fails (too_many_outputs)</td></tr>
 * <tr><td>JOB_RETENTION_HOURS</td><td>24</td><td>how long finished jobs stay readable</td></tr>
 * <tr><td>CALLBACK_RETRY_SCHEDULE</td><td>5s,1m,5m,30m,2h,6h,12h</td><td>the waits before each retry of a callback that
 * failed (1 to 20 of them, each a whole number of s, m or h, from 1 s to 24 h); after the last the callback has failed</td></tr>
 * </table>
 *
 * <p>An Idempotency-Key (or an identical submission within DEDUPE_IDENTICAL_SECONDS) is answered with
 * the job it created, so the job must be kept at least as long as the key is remembered: a key that
 * outlived its job would otherwise have nothing to answer with. Likewise a job must be kept until its
 * last callback's last try, or a retry would find nothing to send. Settings that allow either are refused.
 */
public record ServiceSettings(int maxActiveJobs, int maxRequestBytes, Duration idempotencyTtl, Duration dedupeIdentical,
                              Duration dispatchLease, Duration staleAfter, int maxAttempts, Map<JobType, Duration> maxRuntime,
                              Duration maxQueueAge, Duration webhookEventTtl, Duration finalizeBudget, int maxOutputs,
                              Duration retention, List<Duration> callbackRetries) {
    /**
     * What a callback's retries take beyond the waits themselves: each try's claim (30 s) and a
     * schedule that runs once a minute (the first retry after a quiet spell waits for it).
     */
    static final Duration CALLBACK_SLACK_PER_TRY = Duration.ofSeconds(90);
    private static final Pattern RETRY_WAIT = Pattern.compile("([1-9][0-9]{0,5})([smh])");

    public ServiceSettings {
        maxRuntime = Map.copyOf(maxRuntime);
        callbackRetries = List.copyOf(callbackRetries);
        if (idempotencyTtl.compareTo(retention) > 0) {
            throw new ConfigException("IDEMPOTENCY_TTL_HOURS (" + idempotencyTtl.toHours() + ") must not exceed JOB_RETENTION_HOURS ("
                    + retention.toHours() + "): a remembered key must still find the job it created");
        }
        if (dedupeIdentical.compareTo(retention) > 0) {
            throw new ConfigException("DEDUPE_IDENTICAL_SECONDS (" + dedupeIdentical.toSeconds() + ") must not exceed JOB_RETENTION_HOURS ("
                    + retention.toHours() + " h): a deduplicated submission must still find the job it joins");
        }
        Duration window = callbackRetryWindow(callbackRetries);
        if (window.compareTo(retention) > 0) {
            throw new ConfigException("CALLBACK_RETRY_SCHEDULE's retries take up to " + window.toMinutes() + " minutes after a job ends, longer than"
                    + " JOB_RETENTION_HOURS (" + retention.toHours() + "): a job must be kept until its last callback's last try");
        }
    }

    /** How long after the event a callback may still be tried: every wait of the schedule, plus the slack of each try. */
    public static Duration callbackRetryWindow(List<Duration> retries) {
        Duration window = CALLBACK_SLACK_PER_TRY.multipliedBy(retries.size() + 1L);
        for (Duration d : retries) {
            window = window.plus(d);
        }
        return window;
    }

    public static ServiceSettings defaults() {
        return fromEnv(new Env(Map.of()));
    }

    public static ServiceSettings fromEnv(Env env) {
        Map<JobType, Duration> runtime = new EnumMap<>(JobType.class);
        runtime.put(JobType.IMAGE_GENERATION, env.isoDuration("MAX_RUNTIME_IMAGE_GENERATION", Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofDays(2)));
        runtime.put(JobType.FACE_SWAP, env.isoDuration("MAX_RUNTIME_FACE_SWAP", Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofDays(2)));
        runtime.put(JobType.LORA_TRAINING, env.isoDuration("MAX_RUNTIME_LORA_TRAINING", Duration.ofHours(2), Duration.ofSeconds(1), Duration.ofDays(2)));
        runtime.put(JobType.OTHER, env.isoDuration("MAX_RUNTIME_OTHER", Duration.ofMinutes(30), Duration.ofSeconds(1), Duration.ofDays(2)));
        return new ServiceSettings(
                env.integer("MAX_ACTIVE_JOBS_PER_USER", 10, 1, 100_000),
                env.integer("MAX_REQUEST_BYTES", 1024 * 1024, 1024, 6 * 1024 * 1024),
                Duration.ofHours(env.integer("IDEMPOTENCY_TTL_HOURS", 24, 1, 24 * 30)),
                env.seconds("DEDUPE_IDENTICAL_SECONDS", Duration.ZERO, Duration.ZERO, Duration.ofDays(1)),
                env.seconds("DISPATCH_LEASE_SECONDS", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofMinutes(15)),
                env.seconds("STALE_AFTER_SECONDS", Duration.ofSeconds(90), Duration.ofSeconds(1), Duration.ofHours(1)),
                env.integer("MAX_ATTEMPTS", 3, 1, 20),
                runtime,
                env.isoDuration("MAX_QUEUE_AGE", Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofDays(7)),
                env.seconds("WEBHOOK_EVENT_TTL_SECONDS", Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofDays(2)),
                env.seconds("FINALIZE_BUDGET_SECONDS", Duration.ofSeconds(20), Duration.ofSeconds(1), Duration.ofMinutes(14)),
                env.integer("MAX_OUTPUTS_PER_JOB", 1000, 1, 100_000),
                Duration.ofHours(env.integer("JOB_RETENTION_HOURS", 24, 1, 24 * 365)),
                retrySchedule(env.string("CALLBACK_RETRY_SCHEDULE", "5s,1m,5m,30m,2h,6h,12h")));
    }

    private static List<Duration> retrySchedule(String text) {
        List<Duration> waits = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            Matcher m = RETRY_WAIT.matcher(part.trim());
            if (!m.matches()) {
                throw new ConfigException("CALLBACK_RETRY_SCHEDULE must list the waits before each retry, such as 5s,1m,5m,30m,2h;"
                        + " '" + part.trim() + "' is not a whole number of s, m or h");
            }
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
            if (d.compareTo(Duration.ofHours(24)) > 0) {
                throw new ConfigException("CALLBACK_RETRY_SCHEDULE waits at most 24h before a retry, was " + part.trim());
            }
            waits.add(d);
        }
        if (waits.size() > 20) {
            throw new ConfigException("CALLBACK_RETRY_SCHEDULE lists at most 20 retries, was " + waits.size());
        }
        return waits;
    }

    public Duration maxRuntime(JobType type) {
        return maxRuntime.get(type);
    }
}
