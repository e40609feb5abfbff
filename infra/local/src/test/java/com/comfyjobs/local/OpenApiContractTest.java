package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract check itself: it passes the answers the document describes and names each way an answer can break it. */
class OpenApiContractTest {
    private static final OpenApiContract CONTRACT = OpenApiContract.load();
    private static final String JOB = "6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b";
    private static final String JSON = "application/json";
    private static final String PROBLEM = "application/problem+json";

    private static List<String> check(String method, String path, int status, String type, String body) {
        return CONTRACT.violations(method, URI.create("http://127.0.0.1:3000" + path), status, type, body);
    }

    @Test
    void aDocumentedAnswerPasses() {
        assertEquals(List.of(), check("POST", "/jobs", 202, JSON,
                "{\"jobId\":\"" + JOB + "\",\"status\":\"queued\",\"createdAt\":\"2026-12-01T20:00:00.000Z\"}"));
        assertEquals(List.of(), check("GET", "/jobs/" + JOB, 404, PROBLEM + "; charset=utf-8",
                "{\"type\":\"urn:comfyjobs:problem:not-found\",\"title\":\"Not Found\",\"status\":404}"));
    }

    @Test
    void aBodyThatBreaksItsSchemaIsNamed() {
        List<String> broken = check("POST", "/jobs", 202, JSON, "{\"jobId\":\"" + JOB + "\",\"status\":\"running\"}");
        assertEquals(2, broken.size(), broken.toString());
        assertTrue(broken.stream().anyMatch(v -> v.contains("createdAt")), broken.toString());
        assertTrue(broken.stream().anyMatch(v -> v.contains("/status")), broken.toString());
    }

    @Test
    void anUndocumentedStatusContentTypeOrRouteIsNamed() {
        assertTrue(check("POST", "/jobs", 418, JSON, "{}").get(0).contains("status not documented"));
        assertTrue(check("POST", "/jobs", 202, "text/plain", "ok").get(0).contains("content type 'text/plain'"));
        assertTrue(check("GET", "/nowhere", 404, PROBLEM, "{}").get(0).contains("no path"));
        assertTrue(check("PATCH", "/jobs/" + JOB, 405, PROBLEM, "{}").get(0).contains("documents no PATCH"));
    }

    @Test
    void theMostLiteralRouteAnswers() {
        assertEquals(List.of(), check("DELETE", "/jobs/" + JOB + "/artifacts", 204, null, ""));
        List<String> broken = check("DELETE", "/jobs/" + JOB + "/artifacts", 202, JSON, "{}");
        assertTrue(broken.get(0).endsWith("DELETE /jobs/{jobId}/artifacts"), broken.toString());
    }
}
