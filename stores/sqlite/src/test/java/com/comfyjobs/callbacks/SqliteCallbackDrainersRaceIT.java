package com.comfyjobs.callbacks;

import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.sqlite.SqliteJobStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drainers' race on one SQLite file: each container opens the file with a store of its own, as
 * two processes would, so the two schedules' claims meet only at SQLite's file lock.
 */
class SqliteCallbackDrainersRaceIT extends CallbackDrainersRaceContract {
    @TempDir
    static Path dir;

    @Override
    protected Supplier<JobStore> freshStore() {
        Path file;
        try {
            file = Files.createTempDirectory(dir, "drainers-").resolve("jobs.db");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return () -> SqliteJobStore.open(file, "SQLITE_PATH", Duration.ofHours(24), Clock.systemUTC());
    }
}
