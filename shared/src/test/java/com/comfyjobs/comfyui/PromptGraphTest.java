package com.comfyjobs.comfyui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.job.Workflow;
import com.comfyjobs.testing.JobFixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The graph one attempt sends: its savers in the attempt's folder, the rest as the caller wrote it, and a stable hash. */
class PromptGraphTest {
    private static final String JOB = "0b7e6d1c-0000-4000-8000-000000000001";

    @Test
    void theSaverWritesIntoTheAttemptsFolderAndTheRestIsAsWritten() throws Exception {
        Workflow workflow = Workflow.parse(JobFixtures.defaultWorkflow().json().replace("\"denoise\": 1,", "\"denoise\": 1.00,"));
        assertTrue(workflow.json().contains("\"denoise\": 1.00,"), "the fixture has the field this test rewrites");

        PromptGraph graph = PromptGraph.of(JOB, 2, workflow);

        JsonNode sent = new ObjectMapper().readTree(graph.workflow().json());
        assertEquals("comfyjobs/" + JOB + "-2/ComfyUI", sent.get("9").get("inputs").get("filename_prefix").asText());
        assertTrue(graph.workflow().json().contains("\"denoise\":1.00"), "numbers go as the caller spelled them");
        JsonNode original = new ObjectMapper().readTree(workflow.json());
        ((ObjectNode) original.get("9").get("inputs")).put("filename_prefix", "comfyjobs/" + JOB + "-2/ComfyUI");
        assertEquals(original, sent);
        assertEquals(2, graph.sent().attempt());
        assertEquals(GraphHash.of(sent), graph.sent().sha256());
    }

    @Test
    void theSameJobAndAttemptAlwaysSendTheSameGraphAndEachAttemptItsOwn() {
        Workflow workflow = JobFixtures.defaultWorkflow();
        PromptGraph first = PromptGraph.of(JOB, 1, workflow);
        assertEquals(first.sent(), PromptGraph.of(JOB, 1, workflow).sent());
        assertEquals(first.workflow(), PromptGraph.of(JOB, 1, workflow).workflow());
        assertNotEquals(first.sent().sha256(), PromptGraph.of(JOB, 2, workflow).sent().sha256(), "another folder");
        assertNotEquals(first.sent().sha256(), PromptGraph.of("0b7e6d1c-0000-4000-8000-000000000002", 1, workflow).sent().sha256());
    }

    @Test
    void aGraphStandsInOnlyForItsOwnJobAttemptAndWorkflow() {
        Workflow workflow = JobFixtures.defaultWorkflow();
        PromptGraph graph = PromptGraph.of(JOB, 1, workflow);
        assertTrue(graph.madeFor(JOB, 1, workflow));
        assertFalse(graph.madeFor(JOB, 2, workflow), "another attempt writes into another folder");
        assertFalse(graph.madeFor("0b7e6d1c-0000-4000-8000-000000000002", 1, workflow), "another job");
        assertFalse(graph.madeFor(JOB, 1, Workflow.parse(workflow.json())), "a workflow staging made, even an equal one");
    }
}
