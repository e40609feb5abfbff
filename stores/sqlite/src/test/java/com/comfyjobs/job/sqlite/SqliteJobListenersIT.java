package com.comfyjobs.job.sqlite;

import com.comfyjobs.job.JobListenersContract;
import com.comfyjobs.job.JobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

/** The live listeners' contract (WebSocket pushes and their throttle), unchanged, on a fresh SQLite file per test. */
class SqliteJobListenersIT extends JobListenersContract {
    @TempDir
    static Path dir;

    @Override
    protected JobStore newStore() {
        try {
            return SqliteJobStore.open(Files.createTempDirectory(dir, "listeners-").resolve("jobs.db"), "SQLITE_PATH",
                    Duration.ofHours(24), Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
