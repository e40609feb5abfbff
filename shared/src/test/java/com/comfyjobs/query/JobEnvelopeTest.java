package com.comfyjobs.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobEnvelopeTest {
    @Test
    void theEnvelopeCarriesTheJobAsGetShowsIt() {
        Instant at = Instant.parse("2026-12-01T10:00:00.123Z");
        Job job = Job.queued("j1", "u", JobType.IMAGE_GENERATION, at).build();
        JobView view = new JobView(job, Map.of());

        var json = new JobEnvelope(JobEventType.QUEUED, at, view).toJson();

        assertEquals("job.queued", json.get("type").asText());
        assertEquals("2026-12-01T10:00:00.123Z", json.get("timestamp").asText());
        assertEquals(JobJson.view(view), json.get("data"));
    }

    @Test
    void everyStatusButFinalizingIsAnEventAndTheWireNamesReadBack() {
        for (JobStatus s : JobStatus.values()) {
            assertEquals(s != JobStatus.FINALIZING, JobEventType.ofStatus(s).isPresent(), s.name());
            JobEventType.ofStatus(s).ifPresent(t -> assertEquals(s.isTerminal(), t.isTerminal(), s.name()));
        }
        for (JobEventType t : JobEventType.values()) {
            assertEquals(Optional.of(t), JobEventType.fromWire(t.wire()));
        }
        assertFalse(JobEventType.PROGRESS.isTerminal());
        assertTrue(JobEventType.fromWire("job.SUCCEEDED").isEmpty());
    }
}
