package com.comfyjobs.job.sqlite;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.job.StateStoreErrorException;
import com.comfyjobs.job.StateStoreUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * One SQLite file and a few connections to it, shared by the job and template stores. The file is in
 * WAL mode: readers see the last commit and never wait for the writer, and the writer never waits for
 * readers. Every change runs in {@code BEGIN IMMEDIATE}, which takes the file's one write lock before
 * its first read, so a transaction that reads a job and writes it back can never be refused half-way
 * (a deferred transaction upgrading to a writer may get SQLITE_BUSY at once, without waiting). A
 * connection waits up to {@link #BUSY_TIMEOUT} for the lock held by another (a thread here, or another
 * process on the same file); past that the store is unavailable, as a Redis that does not answer in
 * time. {@code synchronous=NORMAL}: a commit survives the process being killed; the last commits may
 * be lost, never half-applied, if the machine loses power.
 */
public final class SqliteDatabase implements AutoCloseable {
    /** How long a change waits for the write lock, and a caller for a free connection. */
    static final Duration BUSY_TIMEOUT = Duration.ofSeconds(5);
    /** Connections kept open: readers run side by side in WAL, writers take turns whatever their number. */
    static final int CONNECTIONS = 8;

    private final Path file;
    private final Duration busyTimeout;
    private final BlockingQueue<SqliteSession> idle = new ArrayBlockingQueue<>(CONNECTIONS);
    private final List<SqliteSession> all = new ArrayList<>();
    private final ReentrantLock writers = new ReentrantLock(true);

    /** What runs inside one transaction (or, for reads, on one connection). */
    @FunctionalInterface
    public interface Work<T> {
        T run(SqliteSession session) throws SQLException;
    }

    private SqliteDatabase(Path file, Duration busyTimeout) {
        this.file = file;
        this.busyTimeout = busyTimeout;
    }

    /**
     * Opens (creating it and its directory when missing) the file at {@code file} and brings its
     * schema to this code's version.
     *
     * @throws ConfigException naming {@code variable} when the path cannot hold a database, or the
     *     file is not one this code can use (another program's, or written by a newer version)
     */
    public static SqliteDatabase open(Path file, String variable) {
        return open(file, variable, BUSY_TIMEOUT);
    }

    /** With another busy timeout: tests that wait for one. */
    static SqliteDatabase open(Path file, String variable, Duration busyTimeout) {
        if (file.toString().contains("?")) {
            // the driver reads what follows a '?' as connection options, not as part of the file name
            throw new ConfigException(variable + " must not contain '?', was '" + file + "'");
        }
        Path absolute = file.toAbsolutePath();
        try {
            if (absolute.getParent() != null) {
                Files.createDirectories(absolute.getParent());
            }
        } catch (IOException e) {
            throw new ConfigException(variable + " is '" + file + "', whose directory cannot be created: " + e.getMessage());
        }
        SqliteDatabase db = new SqliteDatabase(absolute, busyTimeout);
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                SqliteSession s = new SqliteSession(config(busyTimeout).createConnection("jdbc:sqlite:" + absolute));
                db.all.add(s);
                db.idle.add(s);
            }
            db.write(s -> {
                SqliteSchema.upgrade(s, variable + " (" + absolute + ")");
                return null;
            });
            return db;
        } catch (SQLException | StateStoreErrorException e) {
            db.close();
            throw new ConfigException(variable + " is '" + file + "', which cannot be opened as a SQLite database: " + e.getMessage());
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    private static SQLiteConfig config(Duration busyTimeout) {
        SQLiteConfig c = new SQLiteConfig();
        c.setJournalMode(SQLiteConfig.JournalMode.WAL);
        c.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        c.setBusyTimeout((int) busyTimeout.toMillis());
        return c;
    }

    public Path file() {
        return file;
    }

    /**
     * Runs {@code work} in one {@code BEGIN IMMEDIATE} transaction: committed when it returns, rolled
     * back when it throws. Nothing another connection does can come between its reads and its writes.
     */
    public <T> T write(Work<T> work) {
        takeTurn();
        try {
            SqliteSession s = borrow();
            try {
                s.execute("BEGIN IMMEDIATE");
                try {
                    T result = work.run(s);
                    s.execute("COMMIT");
                    return result;
                } catch (SQLException | RuntimeException e) {
                    s.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                throw failure(e, busyTimeout);
            } finally {
                idle.add(s);
            }
        } finally {
            writers.unlock();
        }
    }

    /**
     * Writers of this process queue here, first come first served, before they ask SQLite for the
     * file's lock: SQLite's busy handler polls with sleeps of up to 100 ms, so writers left to contend
     * inside SQLite would wait out sleeps rather than the lock (bench/run --quick, 8 threads of webhooks:
     * a fifth of the throughput, six times the p99). Another process on the file is kept apart by SQLite alone.
     */
    private void takeTurn() {
        try {
            if (!writers.tryLock(busyTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new StateStoreUnavailableException("no turn to write " + file + " came within " + busyTimeout, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateStoreUnavailableException("interrupted waiting for a turn to write " + file, e);
        }
    }

    /**
     * Runs {@code work} on one connection outside a transaction: each statement reads the last commit,
     * so a read that needs one consistent view is a single statement.
     */
    public <T> T read(Work<T> work) {
        SqliteSession s = borrow();
        try {
            return work.run(s);
        } catch (SQLException e) {
            throw failure(e, busyTimeout);
        } finally {
            idle.add(s);
        }
    }

    private SqliteSession borrow() {
        try {
            SqliteSession s = idle.poll(busyTimeout.toMillis(), TimeUnit.MILLISECONDS);
            if (s == null) {
                throw new StateStoreUnavailableException("no connection to " + file + " came free within " + busyTimeout, null);
            }
            return s;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateStoreUnavailableException("interrupted waiting for a connection to " + file, e);
        }
    }

    /**
     * The lock still held by another past the busy timeout is an outage to ride out; anything else the
     * file answers (full disk, I/O error, corruption, a read-only file) is a fault for a person.
     */
    private static RuntimeException failure(SQLException e, Duration busyTimeout) {
        if (e instanceof SQLiteException se) {
            int primary = se.getResultCode().code & 0xff;
            if (primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code) {
                return new StateStoreUnavailableException("the SQLite file stayed locked by another writer past the busy timeout ("
                        + busyTimeout + ")", e);
            }
        }
        return new StateStoreErrorException("SQLite answered an error: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        for (SqliteSession s : all) {
            s.close();
        }
        all.clear();
        idle.clear();
    }
}
