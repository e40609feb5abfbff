package com.comfyjobs.job;

/**
 * The folder on ComfyUI that belongs to one attempt of one job: its input images are uploaded into
 * it and its outputs are saved into it, so nothing another job wrote or reads is ever named. Built
 * from our own job id (a UUID) and the attempt, never from caller text.
 */
public final class JobFolder {
    private static final String ROOT = "comfyjobs";

    private JobFolder() {
    }

    public static String of(String jobId, int attempt) {
        if (!jobId.matches("[0-9a-f-]{36}")) {
            throw new IllegalArgumentException("not a job id: " + jobId);
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt starts at 1, was " + attempt);
        }
        return ROOT + "/" + jobId + "-" + attempt;
    }
}
