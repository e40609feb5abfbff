package com.comfyjobs.simulator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestCountsTest {
    @Test
    void countsByMethodAndFirstSegmentSoThatEachPromptsHistoryIsOneRoute() {
        RequestCounts counts = new RequestCounts();
        counts.count("POST", "/prompt");
        counts.count("GET", "/prompt");
        counts.count("GET", "/history/abc");
        counts.count("GET", "/history/def");
        counts.count("GET", "/view");
        counts.count("GET", "/");
        assertEquals(Map.of("GET /", 1L, "GET /history", 2L, "GET /prompt", 1L, "GET /view", 1L, "POST /prompt", 1L), counts.snapshot());
    }
}
