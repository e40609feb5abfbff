package com.comfyjobs.job.memory;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.Listening;
import com.comfyjobs.job.Transition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The in-memory twin of the live listeners: who listens to which job and to which user's jobs
 * (listen.lua), the push throttle of transition.lua's live listeners block, and claim_push.lua. The
 * store calls it under its own lock, which makes each step atomic as the scripts are.
 */
final class LiveListenerBook {
    /** What the job hash keeps in pushat, pushst, pushop and pushowe. */
    private record PushState(Instant pushedAt, JobStatus pushedStatus, String pushedBy, Instant owedDue, String owedBy) {
        static final PushState NEVER = new PushState(Instant.EPOCH, null, null, null, null);
    }

    private final Map<String, Map<String, Instant>> byJob = new HashMap<>();
    private final Map<String, Map<String, Instant>> byUser = new HashMap<>();
    private final Map<String, PushState> pushes = new HashMap<>();

    void listen(String jobId, String connectionId, Instant until) {
        byJob.computeIfAbsent(jobId, j -> new LinkedHashMap<>()).put(connectionId, until);
    }

    void listenAll(String userId, String connectionId, Instant until) {
        byUser.computeIfAbsent(userId, u -> new LinkedHashMap<>()).put(connectionId, until);
    }

    void unlisten(String jobId, String connectionId) {
        Map<String, Instant> m = byJob.get(jobId);
        if (m != null) {
            m.remove(connectionId);
        }
    }

    void unlistenAll(String userId, String connectionId) {
        Map<String, Instant> m = byUser.get(userId);
        if (m != null) {
            m.remove(connectionId);
        }
    }

    /** Jobs whose owed push was due by {@code now}, oldest debt first. */
    List<String> owed(Predicate<String> inShard, Instant now, int limit) {
        return pushes.entrySet().stream()
                .filter(e -> e.getValue().owedBy() != null && !e.getValue().owedDue().isAfter(now) && inShard.test(e.getKey()))
                .sorted(Map.Entry.comparingByValue(Comparator.comparing(PushState::owedDue)))
                .limit(limit).map(Map.Entry::getKey).toList();
    }

    /** The job is gone: so is what its hash kept about pushes. */
    void forget(String jobId) {
        pushes.remove(jobId);
    }

    private List<String> listeners(Job job, Instant now) {
        Set<String> found = new LinkedHashSet<>();
        for (Map<String, Instant> m : List.of(byJob.getOrDefault(job.id(), Map.of()), byUser.getOrDefault(job.userId(), Map.of()))) {
            m.forEach((connection, until) -> {
                if (until.isAfter(now)) {
                    found.add(connection);
                }
            });
        }
        return new ArrayList<>(found);
    }

    /** An applied transition that left the job as {@code after}. */
    Listening applied(Job after, Transition t) {
        if (!t.visibleToOwner()) {
            return Listening.NONE;
        }
        Instant now = t.now();
        List<String> listeners = listeners(after, now);
        if (listeners.isEmpty()) {
            return Listening.NONE;
        }
        PushState p = pushes.getOrDefault(after.id(), PushState.NEVER);
        if (after.isTerminal() || !now.isBefore(p.pushedAt().plus(Listening.MIN_GAP))) {
            pushes.put(after.id(), new PushState(now, after.status(), t.opId(), null, null));
            return Listening.now(after.id(), listeners, p.pushedStatus());
        }
        if (p.owedBy() != null) {
            return Listening.NONE;
        }
        Instant due = p.pushedAt().plus(Listening.MIN_GAP);
        pushes.put(after.id(), new PushState(p.pushedAt(), p.pushedStatus(), p.pushedBy(), due, t.opId()));
        return Listening.later(after.id(), due, t.opId(), p.pushedStatus());
    }

    /** The same transition sent again: the first run's answer. */
    Listening replayed(Job job, Transition t) {
        PushState p = pushes.get(job.id());
        if (p == null) {
            return Listening.NONE;
        }
        if (t.opId().equals(p.pushedBy())) {
            return Listening.now(job.id(), listeners(job, t.now()), p.pushedStatus());
        }
        if (t.opId().equals(p.owedBy())) {
            return Listening.later(job.id(), p.owedDue(), t.opId(), p.pushedStatus());
        }
        return Listening.NONE;
    }

    Optional<Listening> claim(Job job, String claim, Instant now) {
        PushState p = pushes.get(job.id());
        if (p == null) {
            return Optional.empty();
        }
        List<String> listeners = listeners(job, now);
        if (claim != null && claim.equals(p.pushedBy()) && p.pushedAt().equals(now) && p.owedBy() == null) {
            return listeners.isEmpty() ? Optional.empty() : Optional.of(Listening.now(job.id(), listeners, p.pushedStatus()));
        }
        if (p.owedBy() == null) {
            return Optional.empty();
        }
        if (claim == null) {
            if (p.owedDue().isAfter(now)) {
                return Optional.empty();
            }
            claim = p.owedBy();
        }
        if (!claim.equals(p.owedBy())) {
            return Optional.empty();
        }
        if (job.isTerminal() || listeners.isEmpty()) {
            pushes.put(job.id(), new PushState(p.pushedAt(), p.pushedStatus(), p.pushedBy(), null, null));
            return Optional.empty();
        }
        pushes.put(job.id(), new PushState(now, job.status(), claim, null, null));
        return Optional.of(Listening.now(job.id(), listeners, p.pushedStatus()));
    }
}
