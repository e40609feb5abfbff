package com.comfyjobs.templates.sqlite;

import com.comfyjobs.job.sqlite.SqliteDatabase;
import com.comfyjobs.templates.TemplateStore;
import com.comfyjobs.templates.TemplateStoreContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The template store contract, unchanged, on a fresh SQLite file per test. */
class SqliteTemplateStoreIT extends TemplateStoreContract {
    @TempDir
    static Path dir;
    private final List<SqliteDatabase> opened = new ArrayList<>();

    @Override
    protected TemplateStore newStore() {
        try {
            SqliteDatabase db = SqliteDatabase.open(Files.createTempDirectory(dir, "templates-").resolve("jobs.db"), "SQLITE_PATH");
            opened.add(db);
            return new SqliteTemplateStore(db);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void closeFiles() {
        opened.forEach(SqliteDatabase::close);
    }
}
