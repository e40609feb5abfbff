package com.comfyjobs.job.sqlite;

import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobStoreConcurrencyContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/**
 * The concurrency contract on one SQLite file: the 32 racing threads share the store's connections,
 * each a connection of its own to the file, so the writers are kept apart by SQLite's file lock
 * (BEGIN IMMEDIATE, the busy timeout), as writers in separate processes would be, not by a Java lock.
 */
class SqliteJobStoreConcurrencyIT extends JobStoreConcurrencyContract {
    @TempDir
    static Path dir;

    @Override
    protected JobStore newStore() {
        try {
            return SqliteJobStore.open(Files.createTempDirectory(dir, "race-").resolve("jobs.db"), "SQLITE_PATH",
                    Duration.ofHours(24), Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
