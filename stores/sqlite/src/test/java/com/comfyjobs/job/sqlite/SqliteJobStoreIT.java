package com.comfyjobs.job.sqlite;

import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobStoreContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/** The store contract, unchanged, on a fresh SQLite file per test. */
class SqliteJobStoreIT extends JobStoreContract {
    @TempDir
    static Path dir;

    @Override
    protected JobStore newStore() {
        try {
            return SqliteJobStore.open(Files.createTempDirectory(dir, "contract-").resolve("jobs.db"), "SQLITE_PATH",
                    Duration.ofHours(24), Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
