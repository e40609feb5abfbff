package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.comfyjobs.job.sqlite.SqliteJobStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The local stack's whole flow ({@link LocalStackFlow}) on a SQLite file, JOB_STORE_TYPE=sqlite with
 * SQLITE_PATH left to its default in the data directory.
 */
class LocalStackSqliteIT extends LocalStackFlow {
    @Override
    String storeType() {
        return "sqlite";
    }

    @Test
    void keepsTheJobsInTheFileInTheDataDirectoryAndStartsNoRedisServer() {
        assertNull(stack.redis());
        String job = api.submit("erin", Api.submitBody(17), null).body().get("jobId").asText();
        Path file = Path.of(stack.env().raw(LocalStack.SQLITE_PATH));
        assertEquals("comfyjobs.db", file.getFileName().toString());
        try (SqliteJobStore other = SqliteJobStore.open(file, "SQLITE_PATH", Duration.ofHours(24), Clock.systemUTC())) {
            assertEquals("erin", other.findById(job).orElseThrow().userId(), "another process opening the file sees the job");
        }
    }
}
