package com.comfyjobs.live.sqlite;

import com.comfyjobs.job.sqlite.SqliteDatabase;
import com.comfyjobs.live.LiveConnections;
import com.comfyjobs.live.LiveConnectionsContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The WebSocket connections' contract, unchanged, on a fresh SQLite file per test. */
class SqliteLiveConnectionsIT extends LiveConnectionsContract {
    @TempDir
    static Path dir;
    private final List<SqliteDatabase> opened = new ArrayList<>();

    @Override
    protected LiveConnections connections() {
        try {
            SqliteDatabase db = SqliteDatabase.open(Files.createTempDirectory(dir, "connections-").resolve("jobs.db"), "SQLITE_PATH");
            opened.add(db);
            return new SqliteLiveConnections(db, Clock.systemUTC());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void closeFiles() {
        opened.forEach(SqliteDatabase::close);
    }
}
