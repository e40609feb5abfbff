package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.comfyjobs.testing.JobFixtures;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkflowTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theDefaultWorkflowHasSevenNodes() {
        Workflow w = JobFixtures.defaultWorkflow();
        assertEquals(7, w.nodeCount());
        assertEquals(w, Workflow.fromStoredJson(w.json()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"x\"", "{}", "{\"1\": 5}", "{\"1\": {\"inputs\": {}}}", "{\"1\": {\"class_type\": 3, \"inputs\": {}}}",
            "{\"1\": {\"class_type\": \" \", \"inputs\": {}}}", "{\"1\": {\"class_type\": \"KSampler\"}}",
            "{\"1\": {\"class_type\": \"KSampler\", \"inputs\": []}}", "{\"\": {\"class_type\": \"KSampler\", \"inputs\": {}}}",
            "{\"12345678901234567890123456789012345678901234567890123456789012345\": {\"class_type\": \"KSampler\", \"inputs\": {}}}"})
    void rejectsWhatIsNotAnApiFormatGraph(String json) throws Exception {
        assertThrows(InvalidWorkflowException.class, () -> Workflow.parse(json));
    }

    @Test
    void brokenStoredWorkflowIsStoredDataError() {
        assertThrows(StoredDataException.class, () -> Workflow.fromStoredJson("{"));
        assertThrows(StoredDataException.class, () -> Workflow.fromStoredJson("[]"));
    }
}
