package com.comfyjobs.usage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.comfyjobs.job.Caller;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.UsageDay;
import com.comfyjobs.job.memory.InMemoryJobStore;
import com.comfyjobs.query.InvalidQueryException;
import com.comfyjobs.testing.JobFixtures;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class UsageServiceTest {
    private static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    private final InMemoryJobStore store = new InMemoryJobStore(4, Duration.ofDays(1), Clock.fixed(NOW, ZoneOffset.UTC));
    private final UsageService service = new UsageService(store, Clock.fixed(NOW, ZoneOffset.UTC));

    private void ranFor(String user, Instant start, long seconds) {
        Job j = store.create(JobFixtures.newJob(user, start)).job();
        store.updateStatus(j.id(), JobStatus.RUNNING, start);
        store.updateStatus(j.id(), JobStatus.FAILED, start.plusSeconds(seconds));
    }

    @Test
    void everyDayOfTheRangeIsAnsweredWithZerosWhereNothingHappenedAndTheirSum() {
        ranFor("alice", Instant.parse("2026-03-08T10:00:00Z"), 3);
        ranFor("alice", Instant.parse("2026-03-10T10:00:00Z"), 4);
        UsageReport r = service.report(Caller.user("alice"), null, "2026-03-07", null);
        assertEquals("alice", r.userId());
        assertEquals(4, r.days().size());
        assertEquals(UsageDay.empty(LocalDate.parse("2026-03-07")), r.days().get(0));
        assertEquals(new UsageDay(LocalDate.parse("2026-03-08"), 1, 0, 1, 0, 0, 3000), r.days().get(1));
        assertEquals(new UsageDay(LocalDate.parse("2026-03-07"), 2, 0, 2, 0, 0, 7000), r.total());
    }

    @Test
    void aCallerReadsOnlyTheirOwnUnlessAnAdmin() {
        ranFor("bob", Instant.parse("2026-03-09T10:00:00Z"), 2);
        assertThrows(UsageForbiddenException.class, () -> service.report(Caller.user("alice"), "bob", null, null));
        assertEquals(0, service.report(Caller.user("alice"), "alice", null, null).total().submitted(), "naming oneself is fine");
        UsageReport asAdmin = service.report(Caller.admin("root"), "bob", null, null);
        assertEquals("bob", asAdmin.userId());
        assertEquals(1, asAdmin.total().submitted());
        assertEquals(2000, asAdmin.total().gpuMillis());
    }

    @Test
    void aUserParameterThatNamesNobodyIsABadRequestEvenForAnAdmin() {
        assertThrows(InvalidQueryException.class, () -> service.report(Caller.admin("root"), "", null, null));
        assertThrows(InvalidQueryException.class, () -> service.report(Caller.admin("root"), "u".repeat(UsageService.MAX_USER_CHARS + 1), null, null));
    }
}
