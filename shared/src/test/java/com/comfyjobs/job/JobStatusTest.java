package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class JobStatusTest {
    @Test
    void terminalStatesHaveNoSuccessors() {
        for (JobStatus s : JobStatus.terminal()) {
            assertTrue(s.successors().isEmpty(), s.wire());
            assertFalse(s.isCancelable());
        }
    }

    @Test
    void theDrawnMachine() {
        assertEquals(EnumSet.of(JobStatus.RUNNING, JobStatus.FINALIZING, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED),
                JobStatus.QUEUED.successors());
        assertEquals(EnumSet.of(JobStatus.FINALIZING, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.EXPIRED),
                JobStatus.RUNNING.successors());
        assertEquals(EnumSet.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.EXPIRED), JobStatus.FINALIZING.successors());
        assertEquals(EnumSet.of(JobStatus.FINALIZING), JobStatus.sourcesOf(JobStatus.SUCCEEDED));
        assertFalse(JobStatus.RUNNING.canMoveTo(JobStatus.QUEUED), "back to queued only by requeue");
        assertEquals(EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FINALIZING), JobStatus.canRequeueFrom());
    }

    @Test
    void wireNamesAreStrict() {
        assertEquals(JobStatus.FINALIZING, JobStatus.fromWire("finalizing"));
        assertThrows(IllegalArgumentException.class, () -> JobStatus.fromWire("FINALIZING"));
        assertThrows(IllegalArgumentException.class, () -> JobStatus.fromWire(null));
        assertThrows(IllegalArgumentException.class, () -> JobType.fromWire("image"));
        assertEquals(JobType.LORA_TRAINING, JobType.fromWire("lora_training"));
    }

    @Test
    void graphProgressIgnoresCachedNodesAndCaps() {
        assertEquals(0.5, GraphProgress.fraction(4, java.util.Set.of(), java.util.List.of("a", "b"), null, 0, 0));
        assertEquals(0.75, GraphProgress.fraction(4, java.util.Set.of("c"), java.util.List.of("a", "b"), "d", 1, 4), 1e-9);
        assertEquals(1.0, GraphProgress.fraction(1, java.util.Set.of(), java.util.List.of("a", "b"), null, 0, 0));
    }
}
