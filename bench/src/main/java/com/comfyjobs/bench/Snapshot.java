package com.comfyjobs.bench;

import io.lettuce.core.api.StatefulRedisConnection;

/** A redis-server's own counters at one moment (INFO): commands run, scripts' included, and bytes in and out. */
record Snapshot(long commands, long bytesIn, long bytesOut) {

    static Snapshot take(StatefulRedisConnection<String, String> connection) {
        String info = connection.sync().info("all");
        long commands = 0;
        long in = -1;
        long out = -1;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                int calls = line.indexOf("calls=");
                commands += Long.parseLong(line.substring(calls + 6, line.indexOf(',', calls)));
            } else if (line.startsWith("total_net_input_bytes:")) {
                in = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            } else if (line.startsWith("total_net_output_bytes:")) {
                out = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        if (in < 0 || out < 0) {
            throw new IllegalStateException("INFO gave no total_net_input_bytes or total_net_output_bytes");
        }
        return new Snapshot(commands, in, out);
    }

    Snapshot minus(Snapshot other) {
        return new Snapshot(commands - other.commands, bytesIn - other.bytesIn, bytesOut - other.bytesOut);
    }
}
