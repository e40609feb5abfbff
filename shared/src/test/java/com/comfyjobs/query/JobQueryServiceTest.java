package com.comfyjobs.query;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.Transition;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GET /jobs/{id} and GET /jobs as the service sees them: a caller's own jobs only, pages, filters and the 400s. */
class JobQueryServiceTest {
    private ServiceHarness h;

    @BeforeEach
    void start() {
        h = ServiceHarness.start();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    /** The user's jobs, created a second apart, oldest first. */
    private List<Job> jobs(String user, int n) {
        Instant t = h.clock.instant().truncatedTo(ChronoUnit.MILLIS).minusSeconds(n);
        List<Job> made = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Job j = JobFixtures.queued(user, t.plusSeconds(i));
            h.store.create(JobFixtures.newJob(j));
            made.add(j);
        }
        return made;
    }

    private void moveTo(Job job, JobStatus status) {
        h.store.transition(Transition.of(job.id(), h.clock.instant()).status(status).build());
    }

    private static List<String> ids(JobViewPage page) {
        return page.jobs().stream().map(v -> v.job().id()).toList();
    }

    private static List<String> newestFirst(List<Job> jobs) {
        List<String> ids = new ArrayList<>(jobs.stream().map(Job::id).toList());
        Collections.reverse(ids);
        return ids;
    }

    @Test
    void aJobIsShownToItsOwnerWithDownloadUrlsForItsArtifacts() throws Exception {
        Job job = h.submit("u", ServiceHarness.quick());
        h.awaitEnded(job);
        h.deliver("execution_success", ServiceHarness.data(job.promptId()));

        JobView view = h.query.get("u", job.id());

        assertEquals(JobStatus.SUCCEEDED, view.job().status());
        JobArtifact a = view.job().artifacts().get(0);
        HttpResponse<byte[]> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(view.artifactUrls().get(a.key()))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, download.statusCode());
        assertArrayEquals(h.s3Object(a.key()), download.body());
    }

    @Test
    void anotherUsersJobAnUnknownIdAndAMalformedIdAreNotFound() {
        Job job = jobs("u", 1).get(0);

        assertEquals(job.id(), h.query.get("u", job.id()).job().id());
        assertThrows(JobNotFoundException.class, () -> h.query.get("someone-else", job.id()));
        assertThrows(JobNotFoundException.class, () -> h.query.get("u", UUID.randomUUID().toString()));
        assertThrows(JobNotFoundException.class, () -> h.query.get("u", "../" + job.id()));
        assertThrows(JobNotFoundException.class, () -> h.query.get("u", null));
    }

    @Test
    void aListShowsTheCallersJobsNewestFirstAndNoOneElses() {
        List<Job> mine = jobs("u", 3);
        jobs("someone-else", 2);

        JobViewPage page = h.query.list("u", null, null, null);

        assertEquals(newestFirst(mine), ids(page));
        assertNull(page.nextCursor());
        assertEquals(List.of(), h.query.list("nobody", null, null, null).jobs());
    }

    @Test
    void cursorsWalkEveryPageOnceWithoutGapsOrRepeats() {
        List<Job> mine = jobs("u", 7);
        List<String> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        do {
            JobViewPage page = h.query.list("u", null, "3", cursor);
            seen.addAll(ids(page));
            sizes.add(page.jobs().size());
            cursor = page.nextCursor();
        } while (cursor != null);

        assertEquals(newestFirst(mine), seen);
        assertEquals(List.of(3, 3, 1), sizes);
    }

    @Test
    void aStatusFilterKeepsOnlyThoseStatusesAcrossPages() {
        List<Job> mine = jobs("u", 6);
        moveTo(mine.get(0), JobStatus.RUNNING);
        moveTo(mine.get(1), JobStatus.CANCELED);
        moveTo(mine.get(3), JobStatus.RUNNING);
        moveTo(mine.get(4), JobStatus.FAILED);

        assertEquals(List.of(mine.get(3).id(), mine.get(0).id()), ids(h.query.list("u", "running", null, null)));
        assertEquals(List.of(mine.get(4).id(), mine.get(1).id()), ids(h.query.list("u", "failed, canceled", null, null)));
        JobViewPage first = h.query.list("u", "queued,running", "2", null);
        JobViewPage second = h.query.list("u", "queued,running", "2", first.nextCursor());
        assertEquals(List.of(mine.get(5).id(), mine.get(3).id()), ids(first));
        assertEquals(List.of(mine.get(2).id(), mine.get(0).id()), ids(second));
        assertEquals(6, h.query.list("u", "", null, null).jobs().size(), "an empty filter is no filter");
    }

    @Test
    void theLimitIsTwentyUnlessSaidAndAtMostAHundred() {
        jobs("u", 25);

        assertEquals(JobQueryService.DEFAULT_LIMIT, h.query.list("u", null, null, null).jobs().size());
        assertEquals(1, h.query.list("u", null, "1", null).jobs().size());
        assertEquals(25, h.query.list("u", null, Integer.toString(JobQueryService.MAX_LIMIT), null).jobs().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"done", "QUEUED", "queued,", "queued,,running", "queued;running"})
    void anUnknownStatusIsAnInvalidQuery(String status) {
        assertThrows(InvalidQueryException.class, () -> h.query.list("u", status, null, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "101", "x", "1.5", "", " 5"})
    void aLimitOutsideOneToAHundredIsAnInvalidQuery(String limit) {
        assertThrows(InvalidQueryException.class, () -> h.query.list("u", null, limit, null));
    }

    @Test
    void aCursorThisApiDidNotIssueIsAnInvalidQuery() {
        jobs("u", 3);
        String issued = h.query.list("u", null, "1", null).nextCursor();

        for (String bad : List.of("", "x".repeat(513), "not a cursor", "djI6MTox", issued + "!")) {
            assertThrows(InvalidQueryException.class, () -> h.query.list("u", null, null, bad), bad);
        }
    }
}
