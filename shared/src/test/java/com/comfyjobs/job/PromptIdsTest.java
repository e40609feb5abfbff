package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PromptIdsTest {
    @Test
    void roundTrips() {
        String job = PromptIds.newJobId();
        assertEquals(new PromptIds.Parsed(job, 3), PromptIds.parse(PromptIds.of(job, 3)).orElseThrow());
        assertTrue(PromptIds.isJobId(job));
    }

    @Test
    void foreignIdsAreNotOurs() {
        assertTrue(PromptIds.parse("8c0f3b7e-1e3a-4b57-9f5e-1c2d3e4f5a6b").isEmpty(), "a plain ComfyUI uuid");
        assertTrue(PromptIds.parse(null).isEmpty());
        assertTrue(PromptIds.parse("x_1").isEmpty());
        assertTrue(PromptIds.parse("8c0f3b7e-1e3a-4b57-9f5e-1c2d3e4f5a6b_0").isEmpty());
        assertTrue(PromptIds.parse("8C0F3B7E-1E3A-4B57-9F5E-1C2D3E4F5A6B_1").isEmpty());
        assertFalse(PromptIds.isJobId("../../etc/passwd"));
        assertFalse(PromptIds.isJobId("8c0f3b7e-1e3a-4b57-9f5e-1c2d3e4f5a6b_1"));
    }
}
