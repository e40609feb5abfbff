package com.comfyjobs.job.sqlite;

import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.JobStoreConcurrencyContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.io.TempDir;

/**
 * The concurrency contract on one file written by two stores, each with its own connections and its
 * own queue of writers, as two processes on one machine would write it: calls go to one store and the
 * other in turn, so writers of the two meet at SQLite's file lock (BEGIN IMMEDIATE, the busy timeout)
 * and nowhere else.
 */
class SqliteTwoStoresConcurrencyIT extends JobStoreConcurrencyContract {
    @TempDir
    static Path dir;

    @Override
    protected JobStore newStore() {
        Path file;
        try {
            file = Files.createTempDirectory(dir, "two-").resolve("jobs.db");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SqliteJobStore first = SqliteJobStore.open(file, "SQLITE_PATH", Duration.ofHours(24), Clock.systemUTC());
        SqliteJobStore second = SqliteJobStore.open(file, "SQLITE_PATH", Duration.ofHours(24), Clock.systemUTC());
        AtomicLong calls = new AtomicLong();
        return (JobStore) Proxy.newProxyInstance(JobStore.class.getClassLoader(), new Class<?>[] {JobStore.class}, (proxy, method, args) -> {
            if (method.getName().equals("close")) {
                first.close();
                second.close();
                return null;
            }
            try {
                return method.invoke(calls.getAndIncrement() % 2 == 0 ? first : second, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
