package com.comfyjobs.job.memory;

import com.comfyjobs.job.CallbackAttempt;
import com.comfyjobs.job.CallbackDelivery;
import com.comfyjobs.job.Callbacks;
import com.comfyjobs.job.ClaimedPush;
import com.comfyjobs.job.CreateResult;
import com.comfyjobs.job.IdempotencyClaim;
import com.comfyjobs.job.IdempotencyRecord;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobPage;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.ListCursor;
import com.comfyjobs.job.Listening;
import com.comfyjobs.job.MarkArtifactsDeletedOutcome;
import com.comfyjobs.job.MigrationResult;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PurgeResult;
import com.comfyjobs.job.RecordCallbackOutcome;
import com.comfyjobs.job.StaleBatch;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.TransitionApplier;
import com.comfyjobs.job.TransitionOutcome;
import com.comfyjobs.job.TransitionResult;
import com.comfyjobs.job.UsageDay;
import com.comfyjobs.job.Webhook;
import com.comfyjobs.job.WebhookSecrets;
import com.comfyjobs.job.Workflow;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32;

/**
 * {@link JobStore} in one JVM's memory, with the Redis store's semantics: per-user cap and
 * idempotency on admission, guarded transitions via {@link TransitionApplier}, event ids and
 * idempotency records that expire, retention of terminal jobs, shard locks, live listeners and the
 * push throttle ({@link LiveListenerBook}). One lock guards all state, which is what makes each
 * operation atomic here. Time comes from the injected clock. For tests and for a local stack started
 * with JOB_STORE_TYPE=memory: its jobs are gone when the process stops.
 */
public final class InMemoryJobStore implements JobStore {
    public static final int DEFAULT_SHARDS = 16;
    private static final Comparator<Job> NEWEST_FIRST = Comparator.comparing(Job::createdAt).reversed()
            .thenComparing(Job::id, Comparator.reverseOrder());

    private final int shards;
    private final Duration retention;
    private final Clock clock;
    private final Map<String, Job> jobs = new HashMap<>();
    private final Map<String, Workflow> workflows = new HashMap<>();
    private final Map<String, TreeSet<Job>> byUser = new HashMap<>();
    private final Map<String, Expiring<IdempotencyRecord>> idempotency = new HashMap<>();
    private final Map<String, Instant> seenEvents = new HashMap<>();
    private final Map<String, String> lastOp = new HashMap<>();
    private final Map<Integer, Expiring<String>> locks = new HashMap<>();
    private final Map<String, WebhookSecrets> webhookSecrets = new HashMap<>();
    private final Map<String, String> lastRotation = new HashMap<>();
    private final LiveListenerBook listeners = new LiveListenerBook();
    private final Map<String, TreeMap<LocalDate, UsageDay>> usage = new HashMap<>();

    private record Expiring<T>(T value, Instant expiresAt) {
        boolean alive(Instant now) {
            return expiresAt.isAfter(now);
        }
    }

    public InMemoryJobStore(int shards, Duration retention, Clock clock) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1");
        }
        this.shards = shards;
        this.retention = retention;
        this.clock = clock;
    }

    public InMemoryJobStore() {
        this(DEFAULT_SHARDS, Duration.ofHours(24), Clock.systemUTC());
    }

    @Override
    public int shardCount() {
        return shards;
    }

    @Override
    public int shardOf(String jobId) {
        CRC32 crc = new CRC32();
        crc.update(jobId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % shards);
    }

    @Override
    public synchronized CreateResult create(NewJob n) {
        expire();
        Job job = n.job();
        IdempotencyClaim claim = n.idempotency();
        boolean resumed = false;
        if (claim != null) {
            Expiring<IdempotencyRecord> rec = idempotency.get(idemKey(job.userId(), claim.key()));
            if (rec != null) {
                IdempotencyRecord r = rec.value();
                if (!r.fingerprint().equals(claim.fingerprint())) {
                    return CreateResult.mismatch(r);
                }
                if (!r.jobId().equals(job.id())) {
                    return CreateResult.replay(r);
                }
                resumed = true;
            }
        }
        Job existing = jobs.get(job.id());
        if (existing != null) {
            return existing.userId().equals(job.userId()) ? CreateResult.created(existing) : CreateResult.idExists();
        }
        long live = countActiveByUserId(job.userId());
        if (live >= n.maxActiveJobs()) {
            return CreateResult.activeLimit(live);
        }
        if (claim != null && !resumed) {
            idempotency.put(idemKey(job.userId(), claim.key()), new Expiring<>(
                    new IdempotencyRecord(claim.key(), claim.fingerprint(), job.id(), job.createdAt(), true),
                    clock.instant().plus(claim.ttl())));
        }
        Job stored = truncate(job.toBuilder().workflowSha256(n.workflow().sha256()).workflowBytes(n.workflow().bytes()).build());
        jobs.put(job.id(), stored);
        workflows.put(job.id(), n.workflow());
        byUser.computeIfAbsent(job.userId(), u -> new TreeSet<>(NEWEST_FIRST)).add(stored);
        countUsage(job.userId(), UsageDay.dayOf(stored.createdAt()), UsageDay::plusSubmitted);
        return CreateResult.created(stored);
    }

    @Override
    public synchronized Optional<Job> findById(String jobId) {
        expire();
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public synchronized Optional<Workflow> findWorkflow(String jobId) {
        expire();
        return Optional.ofNullable(workflows.get(jobId));
    }

    @Override
    public synchronized Optional<IdempotencyRecord> findIdempotencyRecord(String userId, String key) {
        expire();
        Expiring<IdempotencyRecord> r = idempotency.get(idemKey(userId, key));
        return r == null ? Optional.empty() : Optional.of(r.value());
    }

    @Override
    public synchronized JobPage findByUserId(String userId, Set<JobStatus> statusFilter, int limit, String cursor) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        ListCursor.Position from = cursor == null ? null : ListCursor.decode(cursor);
        expire();
        List<Job> page = new ArrayList<>();
        ListCursor.Position last = from;
        for (Job j : byUser.getOrDefault(userId, new TreeSet<>(NEWEST_FIRST))) {
            long score = j.createdAt().toEpochMilli();
            if (from != null && !from.isBefore(score, j.id())) {
                continue;
            }
            if (statusFilter.isEmpty() || statusFilter.contains(j.status())) {
                if (page.size() == limit) {
                    return new JobPage(page, ListCursor.encode(last));
                }
                page.add(j);
            }
            last = new ListCursor.Position(score, j.id());
        }
        return new JobPage(page, null);
    }

    @Override
    public synchronized TransitionResult transition(Transition t) {
        expire();
        Job job = jobs.get(t.jobId());
        if (job == null) {
            return TransitionResult.notFound();
        }
        if (t.opId().equals(lastOp.get(job.id()))) {
            Listening replayed = listeners.replayed(job, t);
            return new TransitionResult(TransitionOutcome.APPLIED, job.status(), job.status(), job.attempt(),
                    t.answersWithJob(job.status(), job) || replayed.push() == Listening.Push.NOW ? job : null, replayed);
        }
        if (t.eventId() != null) {
            String key = t.jobId() + "\u0000" + t.eventId();
            if (seenEvents.containsKey(key)) {
                return new TransitionResult(TransitionOutcome.DUPLICATE_EVENT, job.status(), job.status(), job.attempt(), null);
            }
            seenEvents.put(key, clock.instant().plus(t.eventTtl()));
        }
        TransitionApplier.Result r = TransitionApplier.apply(job, t);
        if (r.outcome() != TransitionOutcome.APPLIED) {
            return new TransitionResult(r.outcome(), job.status(), job.status(), job.attempt(), null);
        }
        Job after = truncate(r.after());
        replace(job, after);
        lastOp.put(job.id(), t.opId());
        if (after.isTerminal()) {
            workflows.remove(job.id());
            countUsage(after.userId(), UsageDay.dayOf(after.finishedAt()), d -> d.plusEnded(after.status(), after.gpuMillis()));
        }
        Listening listening = listeners.applied(after, t);
        return new TransitionResult(TransitionOutcome.APPLIED, job.status(), after.status(), after.attempt(),
                t.answersWithJob(job.status(), after) || listening.push() == Listening.Push.NOW ? after : null, listening);
    }

    @Override
    public synchronized Optional<JobStatus> listen(String jobId, String userId, String connectionId, Instant until) {
        expire();
        Job job = jobs.get(jobId);
        if (job == null || !job.userId().equals(userId)) {
            return Optional.empty();
        }
        if (!job.isTerminal()) {
            listeners.listen(jobId, connectionId, until);
        }
        return Optional.of(job.status());
    }

    @Override
    public synchronized void listenAll(String userId, String connectionId, Instant until) {
        listeners.listenAll(userId, connectionId, until);
    }

    @Override
    public synchronized void unlisten(String jobId, String connectionId) {
        listeners.unlisten(jobId, connectionId);
    }

    @Override
    public synchronized void unlistenAll(String userId, String connectionId) {
        listeners.unlistenAll(userId, connectionId);
    }

    @Override
    public synchronized Optional<ClaimedPush> claimPush(String jobId, String claim, Instant now) {
        expire();
        Job job = jobs.get(jobId);
        if (job == null) {
            return Optional.empty();
        }
        return listeners.claim(job, claim, now).map(l -> new ClaimedPush(job, l));
    }

    @Override
    public synchronized List<String> owedPushes(int shard, Instant now, int limit) {
        return listeners.owed(id -> shardOf(id) == shard, now, limit);
    }

    private void replace(Job before, Job after) {
        jobs.put(after.id(), after);
        TreeSet<Job> mine = byUser.get(after.userId());
        mine.remove(before);
        mine.add(after);
    }

    @Override
    public synchronized MarkArtifactsDeletedOutcome markArtifactsDeleted(String jobId) {
        expire();
        Job job = jobs.get(jobId);
        if (job == null) {
            return MarkArtifactsDeletedOutcome.NOT_FOUND;
        }
        if (!job.isTerminal()) {
            return MarkArtifactsDeletedOutcome.LIVE;
        }
        replace(job, job.toBuilder().artifacts(List.of()).artifactsDeleted(true).build());
        return MarkArtifactsDeletedOutcome.MARKED;
    }

    @Override
    public synchronized List<Job> claimDueCallbacks(int shard, Instant now, int limit, String owner, Instant leaseUntil) {
        expire();
        List<Job> due = jobs.values().stream()
                .filter(j -> shardOf(j.id()) == shard && j.callbacks() != null && j.callbacks().pending() != null)
                .filter(j -> !outboxScore(j.callbacks()).isAfter(now))
                .sorted(Comparator.comparing((Job j) -> outboxScore(j.callbacks())).thenComparing(Job::id))
                .limit(limit)
                .toList();
        List<Job> claimed = new ArrayList<>();
        for (Job j : due) {
            claimed.add(claim(j, now, owner, leaseUntil));
        }
        return claimed;
    }

    @Override
    public synchronized Optional<Job> claimFirstCallback(String jobId, Instant now, String owner, Instant leaseUntil) {
        expire();
        Job j = jobs.get(jobId);
        if (j == null || j.callbacks() == null) {
            return Optional.empty();
        }
        Callbacks c = j.callbacks();
        if (c.pending() == null || c.pending().attempts() > 0 || c.pending().due().isAfter(now) || c.leasedByAnotherThan(owner, now)) {
            return Optional.empty();
        }
        return Optional.of(claim(j, now, owner, leaseUntil));
    }

    /** Where a waiting delivery stands in its shard's queue: its due time, or its claim's end while one holds it. */
    private static Instant outboxScore(Callbacks c) {
        Instant due = c.pending().due();
        return c.leaseUntil() != null && c.leaseUntil().isAfter(due) ? c.leaseUntil() : due;
    }

    private Job claim(Job j, Instant now, String owner, Instant leaseUntil) {
        Callbacks c = j.callbacks();
        Instant progressClaimed = c.pending().event().equals(Webhook.PROGRESS) ? now : c.progressClaimedAt();
        Job claimed = truncate(j.toBuilder().callbacks(new Callbacks(c.enqueued(), progressClaimed, c.pending(), leaseUntil, owner,
                c.finished(), c.finishedAttempts(), c.finishedError())).build());
        replace(j, claimed);
        return claimed;
    }

    @Override
    public synchronized RecordCallbackOutcome recordCallback(CallbackAttempt a) {
        expire();
        Job j = jobs.get(a.jobId());
        if (j == null || j.callbacks() == null) {
            return RecordCallbackOutcome.NOT_FOUND;
        }
        Callbacks c = j.callbacks();
        if (!a.owner().equals(c.leaseOwner())) {
            return RecordCallbackOutcome.LEASE_LOST;
        }
        Callbacks after = c.recorded(a);
        replace(j, truncate(j.toBuilder().callbacks(after).build()));
        return c.waits(a.deliveryId()) ? RecordCallbackOutcome.RECORDED : RecordCallbackOutcome.SUPERSEDED;
    }

    @Override
    public synchronized Optional<Instant> earliestCallbackDue(int shard) {
        expire();
        return jobs.values().stream()
                .filter(j -> shardOf(j.id()) == shard && j.callbacks() != null && j.callbacks().pending() != null)
                .map(j -> outboxScore(j.callbacks()))
                .min(Comparator.naturalOrder());
    }

    @Override
    public synchronized Optional<WebhookSecrets> findWebhookSecrets(String userId) {
        return Optional.ofNullable(webhookSecrets.get(userId));
    }

    @Override
    public synchronized WebhookSecrets createWebhookSecret(String userId, String sealed) {
        return webhookSecrets.computeIfAbsent(userId, u -> new WebhookSecrets(sealed, null, null));
    }

    @Override
    public synchronized WebhookSecrets rotateWebhookSecret(String userId, String sealed, Instant now, String opId) {
        WebhookSecrets before = webhookSecrets.get(userId);
        if (before != null && opId.equals(lastRotation.get(userId))) {
            return before;
        }
        WebhookSecrets after = before == null ? new WebhookSecrets(sealed, null, null)
                : new WebhookSecrets(sealed, before.current(), ms(now));
        webhookSecrets.put(userId, after);
        lastRotation.put(userId, opId);
        return after;
    }

    @Override
    public synchronized boolean delete(String jobId) {
        expire();
        return remove(jobId);
    }

    private boolean remove(String jobId) {
        Job j = jobs.remove(jobId);
        if (j == null) {
            return false;
        }
        workflows.remove(jobId);
        lastOp.remove(jobId);
        listeners.forget(jobId);
        byUser.get(j.userId()).remove(j);
        return true;
    }

    @Override
    public synchronized long countByUserId(String userId) {
        expire();
        return byUser.getOrDefault(userId, new TreeSet<>(NEWEST_FIRST)).size();
    }

    @Override
    public synchronized long countActiveByUserId(String userId) {
        expire();
        return byUser.getOrDefault(userId, new TreeSet<>(NEWEST_FIRST)).stream().filter(j -> !j.isTerminal()).count();
    }

    private void countUsage(String userId, LocalDate day, UnaryOperator<UsageDay> change) {
        usage.computeIfAbsent(userId, u -> new TreeMap<>()).compute(day, (d, was) -> change.apply(was == null ? UsageDay.empty(d) : was));
    }

    @Override
    public synchronized List<UsageDay> usage(String userId, LocalDate from, LocalDate to) {
        TreeMap<LocalDate, UsageDay> days = usage.get(userId);
        return days == null ? List.of() : List.copyOf(days.subMap(from, true, to, true).values());
    }

    @Override
    public synchronized Map<JobStatus, Long> countByStatus() {
        expire();
        Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
        for (JobStatus s : JobStatus.values()) {
            counts.put(s, 0L);
        }
        for (Job j : jobs.values()) {
            counts.merge(j.status(), 1L, Long::sum);
        }
        return counts;
    }

    @Override
    public synchronized StaleBatch findStale(int shard, Instant heartbeatBefore, StaleBatch.Position after, int limit) {
        expire();
        List<Job> inRange = jobs.values().stream()
                .filter(j -> !j.isTerminal() && shardOf(j.id()) == shard && !j.heartbeatAt().isAfter(heartbeatBefore))
                .filter(j -> after == null || after.isBefore(j.heartbeatAt().toEpochMilli(), j.id()))
                .sorted(Comparator.comparing(Job::heartbeatAt).thenComparing(Job::id))
                .limit(limit + 1L)
                .toList();
        List<Job> batch = inRange.subList(0, Math.min(limit, inRange.size()));
        StaleBatch.Position next = null;
        if (inRange.size() > limit) {
            Job last = batch.get(batch.size() - 1);
            next = new StaleBatch.Position(last.heartbeatAt().toEpochMilli(), last.id());
        }
        return new StaleBatch(batch, List.of(), next);
    }

    @Override
    public synchronized PurgeResult purge(int shard, Instant finishedBefore, int limit) {
        List<Job> old = jobs.values().stream()
                .filter(j -> j.isTerminal() && shardOf(j.id()) == shard && !j.finishedAt().isAfter(finishedBefore))
                .sorted(Comparator.comparing(Job::finishedAt))
                .limit(limit)
                .toList();
        for (Job j : old) {
            remove(j.id());
        }
        return new PurgeResult(old.size(), old.size());
    }

    @Override
    public synchronized boolean tryLockShard(int shard, String owner, Duration ttl) {
        Instant now = clock.instant();
        Expiring<String> held = locks.get(shard);
        if (held != null && held.alive(now)) {
            return held.value().equals(owner);
        }
        locks.put(shard, new Expiring<>(owner, now.plus(ttl)));
        return true;
    }

    @Override
    public synchronized void unlockShard(int shard, String owner) {
        Expiring<String> held = locks.get(shard);
        if (held != null && held.value().equals(owner)) {
            locks.remove(shard);
        }
    }

    @Override
    public MigrationResult migrate(Instant deadline) {
        return new MigrationResult(true, 0, "jobs in memory have no key layout");
    }

    /** Drops what Redis would have expired by now: terminal jobs past retention, old records. */
    private void expire() {
        Instant now = clock.instant();
        idempotency.values().removeIf(r -> !r.alive(now));
        seenEvents.values().removeIf(t -> !t.isAfter(now));
        List<String> gone = new ArrayList<>();
        for (Job j : jobs.values()) {
            if (j.isTerminal() && !j.finishedAt().plus(retention).isAfter(now)) {
                gone.add(j.id());
            }
        }
        for (String id : gone) {
            remove(id);
        }
    }

    /** Redis keeps milliseconds; so does this store, so both answer the same instants. */
    private static Job truncate(Job j) {
        return j.toBuilder()
                .createdAt(ms(j.createdAt())).updatedAt(ms(j.updatedAt())).startedAt(ms(j.startedAt()))
                .finishedAt(ms(j.finishedAt())).heartbeatAt(ms(j.heartbeatAt())).submittedAt(ms(j.submittedAt()))
                .leaseUntil(ms(j.leaseUntil()))
                .callbacks(truncate(j.callbacks()))
                .build();
    }

    private static Callbacks truncate(Callbacks c) {
        if (c == null) {
            return null;
        }
        CallbackDelivery p = c.pending();
        CallbackDelivery pending = p == null ? null
                : new CallbackDelivery(p.id(), p.event(), ms(p.at()), ms(p.due()), p.attempts(), p.lastError());
        return new Callbacks(c.enqueued(), ms(c.progressClaimedAt()), pending, ms(c.leaseUntil()), c.leaseOwner(), c.finished(),
                c.finishedAttempts(), c.finishedError());
    }

    private static Instant ms(Instant t) {
        return t == null ? null : Instant.ofEpochMilli(t.toEpochMilli());
    }

    private static String idemKey(String userId, String key) {
        return userId + "\u0000" + key;
    }

    @Override
    public void close() {
    }
}
