package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * JOB_STORE_TYPE and SQLITE_PATH at the local stack's start: a bad value stops it naming the variable,
 * and a SQLite file keeps jobs and templates across a restart of the stack.
 */
class LocalStoreChoiceIT {
    @Test
    void aStoreTypeThatNamesNoStoreStopsTheStartNamingTheVariable() throws Exception {
        LocalStack.Options o = TestStacks.options("store-choice");
        o.env.put("JOB_STORE_TYPE", "postgres");
        ConfigException e = assertThrows(ConfigException.class, () -> LocalStack.start(o));
        assertTrue(e.getMessage().startsWith("JOB_STORE_TYPE"), e.getMessage());
    }

    @Test
    void aSqlitePathTheStoreCannotUseStopsTheStartNamingTheVariable() throws Exception {
        LocalStack.Options o = TestStacks.options("store-choice");
        Path notADirectory = Files.writeString(o.dataDir.resolve("a-file"), "not a directory");
        o.env.put("JOB_STORE_TYPE", "sqlite");
        o.env.put("SQLITE_PATH", notADirectory.resolve("comfyjobs.db").toString());
        ConfigException e = assertThrows(ConfigException.class, () -> LocalStack.start(o));
        assertTrue(e.getMessage().startsWith("SQLITE_PATH"), e.getMessage());
    }

    @Test
    void aSqliteFileKeepsJobsAndTemplatesAcrossARestartOfTheStack() throws Exception {
        LocalStack.Options o = TestStacks.options("store-restart");
        o.simulatorStepMillis = 5;
        o.env.put("JOB_STORE_TYPE", "sqlite");
        o.env.put("SQLITE_PATH", o.dataDir.resolve("state").resolve("jobs.db").toString());
        String job;
        List<String> templates;
        try (LocalStack first = LocalStack.start(o)) {
            Api api = new Api(first.apiUrl());
            job = api.submit("frank", Api.submitBody(18), "restart-key").body().get("jobId").asText();
            api.await("frank", job, Api.status("succeeded"), Duration.ofSeconds(60), null);
            templates = first.templates();
        }
        try (LocalStack second = LocalStack.start(o)) {
            Api api = new Api(second.apiUrl());
            JsonNode j = api.get("frank", job).body();
            assertEquals("succeeded", j.get("status").asText(), j.toString());
            assertEquals(job, api.submit("frank", Api.submitBody(18), "restart-key").body().get("jobId").asText(),
                    "the Idempotency-Key's record came through the restart too");
            assertEquals(templates, second.templates(), "the shipped templates kept their versions: published again unchanged");
        }
    }
}
