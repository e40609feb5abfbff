package com.comfyjobs.job;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The Java twin of transition.lua, shared by the stores that are not Redis (in memory, SQLite): decides
 * a transition's outcome against the current job and computes the job after it. Event-id bookkeeping
 * stays with the store. The contract tests run every store through the same cases, which is what keeps
 * this file and the script in step.
 */
public final class TransitionApplier {
    /** Progress callbacks of one job go out at most this often (transition.lua: PROGRESS_EVERY_MS). */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

    public record Result(TransitionOutcome outcome, Job after) {
    }

    private TransitionApplier() {
    }

    public static Result apply(Job job, Transition t) {
        JobStatus status = job.status();
        if (t.expectAttempt() != null && job.attempt() != t.expectAttempt()) {
            return reject(TransitionOutcome.WRONG_ATTEMPT, job);
        }
        if (t.expectUpdatedAt() != null && !job.updatedAt().equals(t.expectUpdatedAt())) {
            return reject(TransitionOutcome.CHANGED, job);
        }
        if (status.isTerminal() || (t.expectStatus() != null && !t.expectStatus().contains(status))) {
            return reject(TransitionOutcome.STATUS_CONFLICT, job);
        }
        JobStatus target = null;
        boolean cancelChosen = false;
        if (t.status() != null) {
            target = t.status();
            if (t.statusIfCancelRequested() != null && (job.cancelRequested() || t.requestCancel())) {
                target = t.statusIfCancelRequested();
                cancelChosen = true;
            }
            if (target == status) {
                target = null;
            } else if (!status.canMoveTo(target)) {
                return reject(TransitionOutcome.STATUS_CONFLICT, job);
            }
        }
        if (t.requeue() != null && !JobStatus.canRequeueFrom().contains(status)) {
            return reject(TransitionOutcome.STATUS_CONFLICT, job);
        }
        Instant now = t.now();
        boolean leaseLive = job.leaseUntil() != null && job.leaseUntil().isAfter(now);
        if (t.underLease() != null && !(leaseLive && t.underLease().equals(job.leaseOwner()))) {
            return reject(TransitionOutcome.LEASE_LOST, job);
        }
        if (t.acquireLeaseUntil() != null && leaseLive && !t.leaseOwner().equals(job.leaseOwner())) {
            return reject(TransitionOutcome.LEASE_HELD, job);
        }

        Job.Builder b = job.toBuilder().updatedAt(now).heartbeatAt(now);
        Job base = job;
        if (t.requeue() != null) {
            target = JobStatus.QUEUED;
            b.attempt(t.requeue().attempt()).comfyServer(t.requeue().server()).promptId(t.requeue().promptId())
                    .progress(0).outputs(List.of()).cachedNodes(List.of()).finishedNodes(List.of())
                    .currentNode(null).step(null).submittedAt(null).startedAt(null).error(null);
            base = b.build();
        }
        if (t.acquireLeaseUntil() != null) {
            b.leaseUntil(t.acquireLeaseUntil()).leaseOwner(t.leaseOwner());
        }
        if (t.releaseLease() || t.markSubmitted()) {
            b.leaseUntil(null).leaseOwner(null);
        }
        if (t.markSubmitted() || (t.observed() && base.submittedAt() == null)) {
            b.submittedAt(now);
        }
        if (t.comfyServer() != null) {
            b.comfyServer(t.comfyServer());
        }
        if (t.characterId() != null) {
            b.characterId(t.characterId());
        }
        if (t.metadataJson() != null) {
            b.metadataJson(t.metadataJson());
        }
        if (t.sentGraph() != null) {
            b.sentGraph(t.sentGraph());
        }
        if (t.requestCancel()) {
            b.cancelRequested(true);
        }

        double progress = base.progress();
        GraphUpdate g = t.graph();
        if (g != null) {
            Set<String> cached = new LinkedHashSet<>(base.cachedNodes());
            cached.addAll(g.cached());
            Set<String> done = new LinkedHashSet<>(base.finishedNodes());
            done.addAll(g.finished());
            String node = base.currentNode();
            // a node that is done cannot be starting: such a report is a late (reordered) delivery
            String executing = g.executing();
            if (executing != null && (done.contains(executing) || cached.contains(executing))) {
                executing = null;
            }
            String running = g.running();
            if (running != null && (done.contains(running) || cached.contains(running))) {
                running = null;
            }
            if (executing != null) {
                if (node != null && !node.equals(executing)) {
                    done.add(node);
                }
                String next = GraphUpdate.END.equals(executing) ? null : executing;
                b.currentNode(next);
                if (next == null ? node != null : !next.equals(node)) {
                    b.step(null);
                }
            }
            if (running != null) {
                b.currentNode(running);
                // a lower step of the same sampler is a late (reordered) delivery: the step never goes back
                boolean behind = running.equals(node) && base.step() != null && base.step().max() == g.max()
                        && base.step().value() > g.value();
                if (!behind) {
                    b.step(new Step(g.value(), g.max()));
                }
            }
            double fraction = GraphProgress.fraction(base.nodeCount(), cached, done, running, g.value(), g.max());
            progress = Math.max(progress, fraction);
            b.cachedNodes(new ArrayList<>(cached)).finishedNodes(new ArrayList<>(done));
        }
        if (t.progress() != null) {
            progress = Math.max(progress, t.progress());
        }
        boolean progressRose = false;
        if (g != null || t.progress() != null) {
            // six decimals, cut down; the 1e-9 keeps a value that has six already (0.506994 is 506993.99999999994
            // millionths in binary) from losing a millionth each time it is cut again, which would make progress fall
            double stored = Math.floor(progress * 1_000_000 + 1e-9) / 1_000_000;
            b.progress(stored);
            progressRose = stored > job.progress();
        }
        boolean tooMany = false;
        if (!t.addOutputs().isEmpty()) {
            Set<JobOutput> outputs = new LinkedHashSet<>(base.outputs());
            outputs.addAll(t.addOutputs());
            if (outputs.size() > t.maxOutputs() || JobOutput.listBytes(outputs) > JobOutput.LIST_MAX_BYTES) {
                tooMany = true;
            } else {
                b.outputs(new ArrayList<>(outputs));
            }
        }
        if (t.artifacts() != null) {
            b.artifacts(t.artifacts());
        }
        if (t.error() != null && !cancelChosen) {
            b.error(t.error());
        }
        if (tooMany) {
            target = JobStatus.FAILED;
            b.error(JobError.tooManyOutputs(t.maxOutputs()));
        }
        if (target != null) {
            b.status(target);
            if (status == JobStatus.RUNNING && target != JobStatus.RUNNING && job.startedAt() != null) {
                // GPU time (transition.lua's gpu block): an attempt runs on ComfyUI from entering running to
                // leaving it (finalizing, an end, or a requeue when it was lost); the attempts add up
                b.gpuMillis(job.gpuMillis() + Math.max(0, now.toEpochMilli() - job.startedAt().toEpochMilli()));
            }
            if (status == JobStatus.QUEUED && target != JobStatus.QUEUED && t.acquireLeaseUntil() == null) {
                // a queued job's lease is its dispatch lease: once ComfyUI has started it, nobody dispatches it
                b.leaseUntil(null).leaseOwner(null);
            }
            if ((target == JobStatus.RUNNING || target == JobStatus.FINALIZING) && base.startedAt() == null) {
                b.startedAt(now);
            }
            if (target == JobStatus.FINALIZING || target.isTerminal()) {
                b.currentNode(null).step(null);
            }
            if (target.isTerminal()) {
                b.finishedAt(now).leaseUntil(null).leaseOwner(null);
                if (target == JobStatus.SUCCEEDED) {
                    b.progress(1.0);
                }
            }
        }
        if (job.webhook() != null) {
            b.callbacks(enqueueCallback(job, target, progressRose, now));
        }
        return new Result(TransitionOutcome.APPLIED, b.build());
    }

    /**
     * Callbacks: the delivery this transition causes, in the same step (transition.lua's callback
     * block). The end of the job drops a progress still waiting, whether or not the end is wanted, so
     * no progress ever follows it; a progress replaces one still waiting and keeps its due time, else
     * it is due a second after the last progress was claimed. A claim in flight stays: the job's next
     * delivery waits until its sender is done.
     */
    private static Callbacks enqueueCallback(Job job, JobStatus target, boolean progressRose, Instant now) {
        Callbacks c = job.callbacks();
        if (c.stopped()) {
            return c;
        }
        String event;
        if (target != null && target.isTerminal()) {
            event = Webhook.endedEvent(target);
        } else if (progressRose) {
            event = Webhook.PROGRESS;
        } else {
            return c;
        }
        CallbackDelivery waiting = c.pending();
        boolean progressWaiting = waiting != null && waiting.event().equals(Webhook.PROGRESS);
        CallbackDelivery pending = progressWaiting ? null : waiting;
        int enqueued = c.enqueued();
        if (job.webhook().wants(event)) {
            Instant due = now;
            if (event.equals(Webhook.PROGRESS)) {
                if (progressWaiting) {
                    due = waiting.due();
                } else if (c.progressClaimedAt() != null && c.progressClaimedAt().plus(PROGRESS_EVERY).isAfter(now)) {
                    due = c.progressClaimedAt().plus(PROGRESS_EVERY);
                }
            }
            enqueued++;
            pending = new CallbackDelivery(CallbackDelivery.idOf(job.id(), enqueued), event, now, due, 0, null);
        }
        return new Callbacks(enqueued, c.progressClaimedAt(), pending, c.leaseUntil(), c.leaseOwner(), c.finished(), c.finishedAttempts(),
                c.finishedError());
    }

    private static Result reject(TransitionOutcome outcome, Job job) {
        return new Result(outcome, job);
    }
}
