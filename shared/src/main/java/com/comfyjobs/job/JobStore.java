package com.comfyjobs.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * All job state. Implementations: {@code RedisJobStore} (production, one node or a cluster) and
 * {@code InMemoryJobStore} (tests); both pass the same contract test suite.
 *
 * <p>Jobs are spread over {@link #shardCount()} shards chosen from the job id; recovery works shard
 * by shard. Every method that talks to a remote store throws {@link StateStoreUnavailableException}
 * when the store cannot answer within its timeout, and nothing else for outages.
 */
public interface JobStore extends AutoCloseable {

    int shardCount();

    /** The shard that holds {@code jobId}; stable for the life of a deployment. */
    int shardOf(String jobId);

    /**
     * Admits a new job: claims the idempotency key (if any), checks the user's cap on live jobs,
     * indexes the job under its user and stores it with its workflow, then marks the key's record as
     * belonging to a stored job. Fails, storing nothing, if the id exists, the user is at the cap, or
     * the key was used before. Retrying with the job id an earlier request recorded under the same key
     * resumes that admission (for a request that died half-way). Every step may be sent twice (a lost
     * reply) without effect: the same job is admitted and counted once.
     */
    CreateResult create(NewJob newJob);

    Optional<Job> findById(String jobId);

    /** The workflow stored with the job, needed to resubmit it. */
    Optional<Workflow> findWorkflow(String jobId);

    /** The record an earlier request left under this user's Idempotency-Key, if it has not expired. */
    Optional<IdempotencyRecord> findIdempotencyRecord(String userId, String key);

    /**
     * The user's jobs, newest first. {@code statusFilter} empty means all; {@code cursor} is null for
     * the first page or a {@link JobPage#nextCursor()} of this store. A page can hold fewer than
     * {@code limit} jobs and still have a next cursor when filtering skipped many; index entries whose
     * job is gone are dropped from the index on the way.
     *
     * @throws InvalidCursorException for a cursor this store did not issue
     */
    JobPage findByUserId(String userId, Set<JobStatus> statusFilter, int limit, String cursor);

    /** Applies a guarded change atomically, in one round trip for a live job (see {@link Transition}). */
    TransitionResult transition(Transition transition);

    /**
     * Applies each change exactly as {@link #transition} would, each on its own (one refused leaves
     * the others as they are), and answers in the same order. Redis sends them all before it waits for
     * the first answer; the other stores apply them one by one. An outage throws as {@link #transition}
     * does, and, as after a lost reply, any of the changes may have been applied: each is guarded, so
     * the caller reads again and decides anew.
     */
    default List<TransitionResult> transitionAll(List<Transition> transitions) {
        List<TransitionResult> results = new ArrayList<>(transitions.size());
        for (Transition t : transitions) {
            results.add(transition(t));
        }
        return results;
    }

    /** Partial update of the descriptive fields; null leaves a field as it is. */
    default TransitionResult update(String jobId, String characterId, String metadataJson, Instant now) {
        return transition(Transition.of(jobId, now).characterId(characterId).metadataJson(metadataJson).build());
    }

    /** Moves the job to {@code status} if the rules allow it from its current status. */
    default TransitionResult updateStatus(String jobId, JobStatus status, Instant now) {
        return transition(Transition.of(jobId, now).status(status).build());
    }

    /** Raises the progress of {@code attempt}; a lower value than the stored one changes nothing. */
    default TransitionResult updateProgress(String jobId, int attempt, double progress, Instant now) {
        return transition(Transition.of(jobId, now).expectAttempt(attempt).progress(progress).build());
    }

    /** Marks a live job of {@code attempt} as alive now, so recovery leaves it alone for a while. */
    default boolean refreshHeartbeat(String jobId, int attempt, Instant now) {
        return transition(Transition.of(jobId, now).expectAttempt(attempt).expectStatus(JobStatus.live()).build()).applied();
    }

    /**
     * Records that an ended job's files were deleted at its owner's request: sets
     * {@link Job#artifactsDeleted()} and empties its artifact list, and changes nothing else (not its
     * status, times or retention). The one change a terminal job takes; a live job refuses it
     * ({@link MarkArtifactsDeletedOutcome#LIVE}). Marking a marked job answers MARKED again, so a retry
     * or a call sent twice is harmless.
     */
    MarkArtifactsDeletedOutcome markArtifactsDeleted(String jobId);

    /**
     * Callbacks (a job's webhook): a transition that causes an event the job's webhook wants enqueues
     * its delivery in the same atomic step, in the job's shard (see {@link Callbacks}). These claim
     * and record deliveries. A claim gives {@code owner} the job's callbacks until {@code leaseUntil}:
     * nobody else claims the job's delivery meanwhile, and a sender that dies is replaced once the
     * lease runs out. Up to {@code limit} jobs of the shard whose delivery is due at {@code now} and
     * not claimed by another are claimed, earliest due first, and answered as they are now.
     */
    List<Job> claimDueCallbacks(int shard, Instant now, int limit, String owner, Instant leaseUntil);

    /**
     * Claims one job's delivery for its first try: only when it is due, has never been tried and no
     * other sender holds the job's callbacks. Retries are the schedule's ({@link #claimDueCallbacks}).
     */
    Optional<Job> claimFirstCallback(String jobId, Instant now, String owner, Instant leaseUntil);

    /**
     * Records a claimed delivery's try and releases the claim: delivered, failed or stopped end it,
     * pending keeps it for its next try at {@code nextDue}. Only the claim's owner records; a delivery
     * replaced meanwhile is not touched (its replacement stays due). Sent twice, the second changes nothing.
     */
    RecordCallbackOutcome recordCallback(CallbackAttempt attempt);

    /** When the shard's earliest waiting delivery is due (claimed ones: when their claim runs out); empty when none waits. */
    Optional<Instant> earliestCallbackDue(int shard);

    /** The caller's sealed callback signing secrets, if any were made. */
    Optional<WebhookSecrets> findWebhookSecrets(String userId);

    /**
     * Stores {@code sealed} as the caller's secret unless one exists, and answers the one kept: two
     * first uses at once agree on one secret.
     */
    WebhookSecrets createWebhookSecret(String userId, String sealed);

    /**
     * Makes {@code sealed} the caller's current secret and the current one the previous, replaced at
     * {@code now}. {@code opId} is random per request: the same rotation sent again (a lost reply)
     * changes nothing and answers the secrets it made.
     */
    WebhookSecrets rotateWebhookSecret(String userId, String sealed, Instant now, String opId);

    /**
     * Registers connection {@code connectionId} of {@code userId} as a live listener of the job until
     * {@code until} (when the connection ends at the latest), so that every transition of the job
     * finds it in the same round trip ({@link TransitionResult#listening()}). Answers the job's
     * status; empty, registering nothing, when the job is not the user's (unknown or another's: the
     * two are not told apart). A job that has ended is answered but not registered: it will not change
     * again. Registering again is harmless.
     */
    Optional<JobStatus> listen(String jobId, String userId, String connectionId, Instant until);

    /** Registers the connection as a live listener of every job of the user, now and to come, until {@code until}. */
    void listenAll(String userId, String connectionId, Instant until);

    /** Ends a registration of {@link #listen}; one that does not exist is ignored. */
    void unlisten(String jobId, String connectionId);

    /** Ends a registration of {@link #listenAll}; one that does not exist is ignored. */
    void unlistenAll(String userId, String connectionId);

    /**
     * The push a transition answered {@link Listening.Push#LATER} for, made at its due time: while the
     * job still owes a push to {@code claim}, the push is marked made (now) and the job is answered as
     * it is, with its listeners. Empty when another push went out since (it carried the same changes),
     * nobody listens any more, the job ended (its terminal push went out) or is gone; the debt is then
     * cleared. Claiming again with the same claim at the same instant (a command sent twice) answers
     * the same. A null claim takes whatever push the job owes, if it is due by {@code now}: the sweep of
     * {@link #owedPushes} for debts whose maker never made them.
     */
    Optional<ClaimedPush> claimPush(String jobId, String claim, Instant now);

    /** Jobs of the shard whose owed push was due by {@code now}, at most {@code limit}, oldest debt first. */
    List<String> owedPushes(int shard, Instant now, int limit);

    /** Removes the job, its workflow and its index entries; false if it did not exist. */
    boolean delete(String jobId);

    /** All jobs the user has in the store (live and retained terminal ones). */
    long countByUserId(String userId);

    /** The user's live jobs (queued, running, finalizing): what the per-user cap counts. */
    long countActiveByUserId(String userId);

    /**
     * The user's usage on each UTC day from {@code from} to {@code to}, inclusive, oldest first; days
     * without any are left out. Counted exactly once per job however often a step is sent again: a job
     * when it is admitted (on the day of its creation), and when it ends (on the day it ended, with its
     * GPU time) as it leaves the user's live jobs, in the same atomic step.
     */
    List<UsageDay> usage(String userId, LocalDate from, LocalDate to);

    /**
     * Counts the usage of the shard's jobs that ended before {@code endedBefore} and whose end was not
     * counted yet: the terminal transition's second step (in the user's slot) was lost, for example
     * with the Lambda that made it. At most {@code limit} ended jobs are looked at per call, each once
     * over the calls. Answers how many were counted here. Stores that count in the terminal
     * transition's own atomic step never leave one behind and answer 0.
     */
    default int settleUsage(int shard, Instant endedBefore, int limit) {
        return 0;
    }

    /** Jobs per status over all shards, from counters kept with every change. */
    Map<JobStatus, Long> countByStatus();

    /**
     * Live jobs of one shard whose heartbeat is not after {@code heartbeatBefore}, oldest first, at most
     * {@code limit}, starting after {@code after} (null: from the oldest). Reads only those jobs, never
     * the shard's other live jobs. Jobs whose stored data cannot be read are reported in the batch, not
     * thrown, so a sweep can go past them.
     */
    StaleBatch findStale(int shard, Instant heartbeatBefore, StaleBatch.Position after, int limit);

    /**
     * Cleanup of one shard: removes terminal jobs that finished before {@code finishedBefore} (their
     * retention TTL may have removed the record already; counters and indexes are fixed either way),
     * at most {@code limit} of them.
     */
    PurgeResult purge(int shard, Instant finishedBefore, int limit);

    /**
     * The shards a recovery sweep has work in: a live job whose heartbeat is not after
     * {@code heartbeatBefore}, a terminal job that finished before {@code finishedBefore}, or one that
     * ended before {@code unsettledEndedBefore} and after the shard's usage cursor ({@link #settleUsage}).
     * Every such shard is listed; a store may list others too (this one lists every shard), Redis lists
     * exactly those, asking every shard in two round trips, so a sweep with nothing to do takes no lock.
     */
    default Set<Integer> shardsWithWork(Instant heartbeatBefore, Instant finishedBefore, Instant unsettledEndedBefore) {
        Set<Integer> all = new TreeSet<>();
        for (int s = 0; s < shardCount(); s++) {
            all.add(s);
        }
        return all;
    }

    /**
     * Takes the shard's recovery lock for {@code ttl} unless someone else holds it (held by
     * {@code owner} already: true, its expiry unchanged). The owner token makes {@link #unlockShard}
     * safe against releasing a lock that expired and was taken by another.
     */
    boolean tryLockShard(int shard, String owner, Duration ttl);

    void unlockShard(int shard, String owner);

    /**
     * Moves data written in an older key layout to the one this code writes, online: while it runs,
     * new writes go to the new layout and reads fall back to the old one. Idempotent and resumable: a
     * run cut short by {@code deadline} leaves things consistent and the next run goes on.
     */
    MigrationResult migrate(Instant deadline);

    @Override
    void close();
}
