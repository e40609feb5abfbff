package com.comfyjobs.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.artifacts.ArtifactKeys;
import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.artifacts.ArtifactStoreUnavailableException;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobInput;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.StateStoreUnavailableException;
import com.comfyjobs.job.Transition;
import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * DELETE /jobs/{id}/artifacts as the service sees it, on S3Proxy: an ended job's outputs (of every
 * attempt) and its input images go, nothing of anyone else's does, and the job is marked only once its
 * files are gone.
 */
class DeleteArtifactsServiceTest {
    private ServiceHarness h;

    @BeforeEach
    void start() {
        h = ServiceHarness.start();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private void put(String key) {
        h.artifacts.client().putObject(b -> b.bucket(h.artifacts.bucket()).key(key), RequestBody.fromString("bytes of " + key));
    }

    /**
     * An ended job of {@code user} that took two input images and succeeded at its second attempt; the
     * first attempt left a partial copy behind, which the job does not list.
     */
    private Job endedWithFiles(String user) {
        Job j = JobFixtures.queued(user, JobFixtures.now());
        String upload = "uploads/" + user + "/" + UUID.randomUUID();
        String copy = "inputs/" + j.id() + "/mask.png";
        j = j.toBuilder().inputs(List.of(new JobInput("image", upload, "image/png", List.of("10.inputs.image")),
                new JobInput("mask", copy, "image/png", List.of("11.inputs.image")))).build();
        h.store.create(JobFixtures.newJob(j));
        String first = ArtifactKeys.key(user, j.id(), 1, "9", "", "ComfyUI_00001_.png");
        String output = ArtifactKeys.key(user, j.id(), 2, "9", "", "ComfyUI_00002_.png");
        for (String key : List.of(upload, copy, first, output)) {
            put(key);
        }
        h.store.transition(Transition.of(j.id(), h.clock.instant()).status(JobStatus.FINALIZING).build());
        h.store.transition(Transition.of(j.id(), h.clock.instant()).status(JobStatus.SUCCEEDED)
                .artifacts(List.of(new JobArtifact(output, "ComfyUI_00002_.png", "image/png", 10))).build());
        return h.stored(j.id());
    }

    @Test
    void theOwnerHasEveryFileOfTheJobDeletedAndNothingElse() {
        String others = "uploads/alice/theirs";
        Job neighbour = endedWithFiles("alice");
        put(others);
        Job job = endedWithFiles("bob");
        Set<String> neighbours = Set.copyOf(h.s3Keys().stream().filter(k -> !k.contains(job.id()) && !k.startsWith("uploads/bob/")).toList());
        assertEquals(5, neighbours.size(), neighbours.toString());

        h.deleteArtifacts.delete("bob", job.id());

        assertEquals(neighbours, Set.copyOf(h.s3Keys()), "the job's outputs, partial copy and inputs are gone; nothing else is");
        Job marked = h.stored(job.id());
        assertTrue(marked.artifactsDeleted());
        assertTrue(marked.artifacts().isEmpty());
        assertEquals(job.status(), marked.status());
        assertEquals(job.finishedAt(), marked.finishedAt());
        JobView view = h.query.get("bob", job.id());
        assertTrue(view.artifactUrls().isEmpty());
        assertTrue(neighbours.contains(neighbour.artifacts().get(0).key()));
        assertTrue(neighbours.contains(others));
    }

    @Test
    void askingAgainAnswersTheSameAndDeletesNothingMore() {
        Job job = endedWithFiles("bob");
        h.deleteArtifacts.delete("bob", job.id());
        Job marked = h.stored(job.id());
        put("uploads/bob/a-later-upload");

        h.deleteArtifacts.delete("bob", job.id());

        assertEquals(marked, h.stored(job.id()));
        assertEquals(List.of("uploads/bob/a-later-upload"), h.s3Keys());
    }

    @Test
    void anotherUsersJobIsNotFoundJustLikeAnUnknownOne() {
        Job job = endedWithFiles("bob");
        List<String> before = h.s3Keys();

        JobNotFoundException foreign = assertThrows(JobNotFoundException.class, () -> h.deleteArtifacts.delete("mallory", job.id()));
        JobNotFoundException unknown = assertThrows(JobNotFoundException.class,
                () -> h.deleteArtifacts.delete("mallory", UUID.randomUUID().toString()));
        assertThrows(JobNotFoundException.class, () -> h.deleteArtifacts.delete("bob", "../" + job.id()));

        assertEquals(unknown.getMessage(), foreign.getMessage());
        assertEquals(before, h.s3Keys());
        assertFalse(h.stored(job.id()).artifactsDeleted());
    }

    @Test
    void aJobThatHasNotEndedKeepsItsFiles() {
        Job job = JobFixtures.queued("bob", JobFixtures.now()).toBuilder()
                .inputs(List.of(new JobInput("image", "uploads/bob/u1", "image/png", List.of("10.inputs.image")))).build();
        h.store.create(JobFixtures.newJob(job));
        put("uploads/bob/u1");
        for (JobStatus live : List.of(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FINALIZING)) {
            h.store.transition(Transition.of(job.id(), h.clock.instant()).status(live).build());

            JobNotEndedException e = assertThrows(JobNotEndedException.class, () -> h.deleteArtifacts.delete("bob", job.id()));

            assertTrue(e.getMessage().contains(live.wire()), e.getMessage());
            assertEquals(List.of("uploads/bob/u1"), h.s3Keys());
            assertFalse(h.stored(job.id()).artifactsDeleted());
        }
    }

    @Test
    void s3DownDeletesNothingAndMarksNothing() {
        Job job = endedWithFiles("bob");
        URI nowhere = URI.create("http://127.0.0.1:" + FreePorts.any());
        try (ArtifactStore down = ArtifactStore.create(ArtifactSettings.of(h.artifacts.bucket(), nowhere),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))) {
            DeleteArtifactsService service = new DeleteArtifactsService(h.store, down);

            assertThrows(ArtifactStoreUnavailableException.class, () -> service.delete("bob", job.id()));
        }
        assertFalse(h.stored(job.id()).artifactsDeleted());
        assertEquals(job.artifacts(), h.stored(job.id()).artifacts());
    }

    /** The files go first, the mark after: a request that dies in between leaves the job to the next one, not half-told. */
    @Test
    void aRequestCutShortAfterTheFilesIsFinishedByTheNext() {
        Job job = endedWithFiles("bob");
        AtomicBoolean redisDown = new AtomicBoolean(true);
        JobStore flaky = (JobStore) Proxy.newProxyInstance(JobStore.class.getClassLoader(), new Class<?>[] {JobStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("markArtifactsDeleted") && redisDown.get()) {
                        throw new StateStoreUnavailableException("connection lost", null);
                    }
                    try {
                        return method.invoke(h.store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        DeleteArtifactsService service = new DeleteArtifactsService(flaky, h.artifacts);

        assertThrows(StateStoreUnavailableException.class, () -> service.delete("bob", job.id()));
        assertTrue(h.s3Keys().isEmpty(), "the files went first");
        assertFalse(h.stored(job.id()).artifactsDeleted(), "and the job still shows its artifacts: the answer was an error");

        redisDown.set(false);
        service.delete("bob", job.id());

        assertTrue(h.stored(job.id()).artifactsDeleted());
    }
}
