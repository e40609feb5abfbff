package com.comfyjobs.progress;

import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobFolder;
import com.comfyjobs.job.JobOutput;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Whether what ComfyUI's history lists under a job's prompt id is the job's own run. ComfyUI does not
 * check prompt ids for duplicates, and /queue shows them to anyone who can reach it, so anyone can
 * queue a graph of their own under a job's prompt id (ahead of it, with {@code front: true}) and have
 * history list that graph's files. The job's run is recognised by two things only it has: the graph
 * ComfyUI ran hashes to the one the job recorded when it sent the current attempt, and every
 * deliverable lies in the attempt's own {@link JobFolder} (which is no secret, hence the hash).
 */
final class OutputOwnership {
    /** How many foreign file names one log line names. */
    private static final int NAMED = 5;

    private OutputOwnership() {
    }

    /** Empty when the entry is the job's own run; otherwise what differed, for the log (file names at most). */
    static Optional<String> mismatch(Job job, HistoryEntry entry) {
        if (job.sentGraph() == null || !job.sentGraph().isFor(job)) {
            return Optional.of("the job recorded no graph sent for attempt " + job.attempt());
        }
        String ran = entry.graphSha256();
        if (ran == null) {
            return Optional.of("history shows no graph for the prompt");
        }
        if (!ran.equals(job.sentGraph().sha256())) {
            return Optional.of("the graph that ran (sha256 " + ran + ") is not the graph sent (sha256 " + job.sentGraph().sha256() + ")");
        }
        String folder = JobFolder.of(job.id(), job.attempt());
        List<JobOutput> outside = entry.deliverables().stream().filter(o -> !folder.equals(o.subfolder())).toList();
        if (!outside.isEmpty()) {
            return Optional.of(outside.size() + " output(s) outside " + folder + ": " + outside.stream().limit(NAMED)
                    .map(o -> "node " + o.node() + " " + o.subfolder() + "/" + o.filename()).collect(Collectors.joining(", ")));
        }
        return Optional.empty();
    }
}
