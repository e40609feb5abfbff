package com.comfyjobs.job.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * One connection of {@link SqliteDatabase}, lent to one piece of work at a time. Statements are
 * prepared once per connection and kept: the stores run the same few statements over and over.
 */
public final class SqliteSession {
    private final Connection connection;
    private final Map<String, PreparedStatement> prepared = new HashMap<>();

    SqliteSession(Connection connection) {
        this.connection = connection;
    }

    /** The statement for {@code sql}, its parameters cleared. */
    public PreparedStatement statement(String sql) throws SQLException {
        PreparedStatement ps = prepared.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            prepared.put(sql, ps);
        } else {
            ps.clearParameters();
        }
        return ps;
    }

    /** Runs one statement that takes no parameters and returns no rows. */
    public void execute(String sql) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute(sql);
        }
    }

    /** Ends the transaction the work left open, keeping the error that ended the work as the one reported. */
    void rollback() {
        try {
            execute("ROLLBACK");
        } catch (SQLException e) {
            // nothing to roll back: the transaction never began, or SQLite rolled it back itself
        }
    }

    void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing a connection at shutdown: nothing is left to protect
        }
    }
}
