package com.comfyjobs.submit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.comfyui.HistoryEntry;
import com.comfyjobs.comfyui.PromptGraph;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.job.Caller;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobFolder;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.simulator.engine.PromptFate;
import com.comfyjobs.testing.JobFixtures;
import com.comfyjobs.testing.ServiceHarness;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The graph each attempt sends (its savers pointed into the attempt's folder) is the one the job
 * records, the one ComfyUI runs, and recording it costs the submit path no write of its own.
 */
class DispatchedGraphTest {
    private ServiceHarness h;

    @AfterEach
    void stop() {
        h.close();
    }

    private HistoryEntry history(Job job) {
        return ((Reply.Ok<Optional<HistoryEntry>>) h.comfy(h.simOf(job)).history(job.promptId())).value().orElseThrow();
    }

    /** The store as the services see it, noting every transition asked of it. */
    private static JobStore noting(JobStore store, List<Transition> transitions) {
        return (JobStore) Proxy.newProxyInstance(JobStore.class.getClassLoader(), new Class<?>[] {JobStore.class}, (proxy, method, args) -> {
            if (method.getName().equals("transition")) {
                transitions.add((Transition) args[0]);
            }
            try {
                return method.invoke(store, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    @Test
    void aNewJobIsStoredWithItsFirstGraphSoSendingItWritesNothingButTheAcceptance() {
        h = ServiceHarness.start();
        List<Transition> transitions = new ArrayList<>();
        SubmitService submit = noted(transitions);
        Workflow workflow = ServiceHarness.quick();

        Job job = h.stored(submit.submit(Caller.user("u"), h.request(workflow), null).job().id());

        assertEquals(PromptGraph.of(job.id(), 1, workflow).sent(), job.sentGraph());
        assertTrue(job.isSubmitted());
        assertEquals(1, transitions.size(), "the acceptance only");
        assertTrue(transitions.get(0).markSubmitted());
    }

    @Test
    void aJobWithAnImageIsStoredWithTheGraphItsStagingSendsSoSendingItWritesNothingButTheAcceptance() {
        h = ServiceHarness.start();
        List<Transition> transitions = new ArrayList<>();
        SubmitService submit = noted(transitions);
        String image = "data:image/png;base64," + Base64.getEncoder().encodeToString(JobFixtures.image("png", 16));
        String body = "{\"workflow\": " + JobFixtures.img2imgWorkflow("placeholder.png", 7).json()
                + ", \"images\": {\"10.inputs.image\": \"" + image + "\"}}";

        Job job = h.stored(submit.submit(Caller.user("u"), h.request(body), null).job().id());

        assertTrue(job.isSubmitted());
        assertEquals(1, transitions.size(), "the acceptance only: the staged names were known when the job was made");
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job));
        HistoryEntry ran = history(job);
        assertEquals(job.sentGraph().sha256(), ran.graphSha256(), "the graph ComfyUI runs, its image staged, is the one the job recorded");
        assertTrue(ran.graph().get("10").get("inputs").get("image").asText().startsWith(JobFolder.of(job.id(), 1) + "/"));
    }

    /** The services of the harness on a store that notes every transition asked of it. */
    private SubmitService noted(List<Transition> transitions) {
        JobStore store = noting(h.store, transitions);
        Dispatcher dispatcher = new Dispatcher(store, h.pool, new InputStaging(h.pool, h.artifacts), h.settings, h.clock, h.observed);
        return new SubmitService(store, h.pool, dispatcher, h.templates, h.images, RawWorkflows.ALL, h.urls, h.settings, h.clock, h.observed);
    }

    @Test
    void comfyUiRunsTheGraphTheJobRecordedWithItsFilesInTheAttemptsFolder() {
        h = ServiceHarness.start();
        Job job = h.submit("u", ServiceHarness.quick());
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(job));

        HistoryEntry ran = history(job);

        assertEquals(job.sentGraph().sha256(), ran.graphSha256());
        assertEquals(JobFolder.of(job.id(), 1) + "/ComfyUI", ran.graph().get("9").get("inputs").get("filename_prefix").asText());
        assertEquals(JobFolder.of(job.id(), 1), ran.deliverables().get(0).subfolder());
    }

    @Test
    void aResubmittedAttemptRecordsItsOwnGraphBeforeSendingItAndSucceeds() throws Exception {
        h = ServiceHarness.start();
        Workflow workflow = ServiceHarness.quick();
        h.sim.faults().holdQueue(true);
        Job job = h.submit("u", workflow);
        h.sim.faults().restart();

        h.recoverStale();

        Job second = h.stored(job.id());
        assertEquals(2, second.attempt());
        assertEquals(PromptGraph.of(job.id(), 2, workflow).sent(), second.sentGraph());
        h.sim.faults().holdQueue(false);
        assertEquals(List.of(PromptFate.COMPLETED), h.awaitEnded(second));
        assertEquals(second.sentGraph().sha256(), history(second).graphSha256());
        h.deliver("execution_success", ServiceHarness.data(second.promptId()));
        Job done = h.stored(job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status());
        JobArtifact a = done.artifacts().get(0);
        assertTrue(a.key().contains("/" + job.id() + "/2/"), a.key());
        assertArrayEquals(Files.readAllBytes(h.comfyFileOf(done, a)), h.s3Object(a.key()));
    }
}
