package com.comfyjobs.comfyui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.comfyjobs.job.JobOutput;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing ComfyUI's history and queue answers, with entries shaped as ComfyUI 0.3.64 writes them. */
class HistoryEntryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void successEntryFromTheContract() throws Exception {
        String entry = """
                {"prompt": [7, "pid", {}, {"client_id": "abc", "jobId": "j"}, ["9"]],
                 "outputs": {"9": {"images": [{"filename": "ComfyUI_00001_.png", "subfolder": "", "type": "output"}]},
                             "10": {"images": [{"filename": "ComfyUI_temp_x.png", "subfolder": "", "type": "temp"}], "text": ["hello"]}},
                 "status": {"status_str": "success", "completed": true,
                            "messages": [["execution_start", {"prompt_id": "pid", "timestamp": 1760000000000}],
                                         ["execution_success", {"prompt_id": "pid", "timestamp": 1760000004000}]]},
                 "meta": {}}""";
        HistoryEntry h = HistoryEntry.parse("pid", JSON.readTree(entry));
        assertEquals(HistoryEntry.Outcome.SUCCESS, h.outcome());
        assertEquals(List.of(new JobOutput("9", "ComfyUI_00001_.png", "", "output")), h.deliverables());
        assertEquals(2, h.outputs().size());
        assertEquals("j", h.extraData().get("jobId").asText());
    }

    @Test
    void errorAndInterruptedEntries() throws Exception {
        String error = """
                {"prompt": [1, "p", {}, {}, []], "outputs": {},
                 "status": {"status_str": "error", "completed": false,
                            "messages": [["execution_start", {}], ["execution_error", {"prompt_id": "p", "node_id": "3",
                              "node_type": "KSampler", "exception_message": "CUDA out of memory\\n", "exception_type": "torch.OutOfMemoryError"}]]}}""";
        HistoryEntry e = HistoryEntry.parse("p", JSON.readTree(error));
        assertEquals(HistoryEntry.Outcome.ERROR, e.outcome());
        assertEquals("CUDA out of memory", e.error().message());
        assertEquals("3", e.error().nodeId());
        assertEquals("KSampler", e.error().nodeType());
        String interrupted = """
                {"prompt": [1, "p", {}, {}, []], "outputs": {},
                 "status": {"status_str": "error", "completed": false,
                            "messages": [["execution_interrupted", {"prompt_id": "p", "node_id": "3", "node_type": "KSampler", "executed": []}]]}}""";
        assertEquals(HistoryEntry.Outcome.INTERRUPTED, HistoryEntry.parse("p", JSON.readTree(interrupted)).outcome());
    }

    @Test
    void queueTuples() throws Exception {
        QueueSnapshot q = QueueSnapshot.parse(JSON.readTree(
                "{\"queue_running\": [[1, \"a\", {}, {}, []]], \"queue_pending\": [[2, \"b\", {}, {}, []], [3, \"c\", {}, {}, []]]}"));
        assertEquals(QueueSnapshot.Place.RUNNING, q.find("a"));
        assertEquals(QueueSnapshot.Place.PENDING, q.find("c"));
        assertEquals(QueueSnapshot.Place.ABSENT, q.find("d"));
    }
}
