package com.comfyjobs.bench;

import com.comfyjobs.observability.JsonLog;
import java.io.File;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * bench/run: every benchmark, each row a ratio against the raw limit measured in the same run.
 * {@code --quick} keeps the whole run short; {@code --only webhook,memory} runs only those sections
 * (a section named with a space also answers to its name without it: {@code --only coldstart});
 * {@code --write FILE} also writes the results, the machine and the command as markdown.
 */
public final class BenchMain {
    private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream());
    /** The sections to run; null for all. */
    private static List<String> only;

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        Path write = null;
        for (int i = 0; i < args.length - 1; i++) {
            if ("--write".equals(args[i])) {
                write = Path.of(args[i + 1]);
            }
            if ("--only".equals(args[i])) {
                only = List.of(args[i + 1].split(","));
            }
        }
        Path root = Path.of("").toAbsolutePath();
        Path benchJar = root.resolve("bench/target/comfyjobs-bench.jar");
        Path functionsJar = root.resolve("functions/target/comfyjobs-functions.jar");
        String probeClasspath = root.resolve("bench/target/classes") + File.pathSeparator
                + root.resolve("infra/servers/target/comfyjobs-servers.jar");
        long start = System.nanoTime();
        List<Row> rows = new ArrayList<>();

        rows.addAll(section("webhook", () -> webhook(quick)));
        rows.addAll(section("live", withoutConsoleLog(() -> LivePushes.run(quick))));
        rows.addAll(section("get", () -> get(quick)));
        rows.addAll(section("usage", () -> usage(quick)));
        rows.addAll(section("submit", withoutConsoleLog(() -> SubmitUnderLoad.run(quick))));
        rows.addAll(section("cost", withoutConsoleLog(() -> JobCost.run(quick))));
        rows.addAll(section("recovery", withoutConsoleLog(() -> RecoverySweeps.run(quick))));
        rows.addAll(section("cold start", () -> ColdStarts.run(quick, functionsJar, probeClasspath, root.resolve("template.yaml"))));
        rows.addAll(section("memory", RedisMemoryPerJob::run));
        rows.addAll(section("artifact", () -> LargeOutputCopy.run(quick, benchJar)));
        rows.addAll(section("callbacks", withoutConsoleLog(() -> CallbackThroughput.run(quick))));

        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.println();
        Table.print(rows, System.out);
        System.out.printf(Locale.ROOT, "%n%d rows in %.0f s on %s%n", rows.size(), seconds, Machine.describe());
        if (write != null) {
            String command = "bench/run" + (quick ? " --quick" : "") + " --write " + root.relativize(write.toAbsolutePath());
            Files.writeString(write, "# Benchmarks\n\n"
                    + "Every row compares one of our paths with the raw limit it cannot beat, measured in the same run on the\n"
                    + "same machine. Ratio: ours / raw for times and bytes, raw / ours for throughput, so 1.00x is at the limit\n"
                    + "and bigger is more overhead. No benchmark is a timed assertion in a test.\n\n"
                    + "Measured " + LocalDate.now() + " with `" + command + "` (" + String.format(Locale.ROOT, "%.0f", seconds) + " s) on "
                    + Machine.describe() + ".\n\n"
                    + Table.markdown(rows) + "\n" + Notes.TEXT);
            System.out.println("wrote " + write);
        }
    }

    interface Section {
        List<Row> run() throws Exception;
    }

    /** Runs one section and says on stderr how long it took, so a slow section is easy to find. */
    private static List<Row> section(String name, Section section) throws Exception {
        if (only != null && !only.contains(name) && !only.contains(name.replace(" ", ""))) {
            return List.of();
        }
        long t0 = System.nanoTime();
        List<Row> rows = section.run();
        System.err.printf(Locale.ROOT, "bench: %s took %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
        return rows;
    }

    /** The section with our services' JSON log records still built (that is our cost); only the console write is left out. */
    private static Section withoutConsoleLog(Section section) {
        return () -> {
            JsonLog.redirect(NOWHERE);
            try {
                return section.run();
            } finally {
                JsonLog.redirect(System.out);
            }
        };
    }

    private static List<Row> webhook(boolean quick) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int threads : new int[] {1, 8}) {
            Jmh.Sample ours = Jmh.run(WebhookPathBenchmark.class, "ours", threads, quick);
            Jmh.Sample bare = Jmh.run(WebhookPathBenchmark.class, "bare", threads, quick);
            String t = threads + (threads == 1 ? " thread" : " threads");
            rows.add(new Row("webhook", "progress event, " + t + ", throughput", "ev/s", ours.opsPerSecond(), bare.opsPerSecond(),
                    "bare EVALSHA of transition.lua, same connection", ""));
            rows.add(new Row("webhook", "progress event, " + t + ", p50", "us", ours.p50Micros(), bare.p50Micros(), "bare EVALSHA", ""));
            rows.add(new Row("webhook", "progress event, " + t + ", p99", "us", ours.p99Micros(), bare.p99Micros(), "bare EVALSHA", ""));
        }
        rows.addAll(WebhookRoundTrips.run());
        rows.addAll(LongestScripts.run(quick));
        for (int threads : new int[] {1, 8}) {
            Jmh.Sample ours = Jmh.run(SqliteWebhookPathBenchmark.class, "ours", threads, quick);
            Jmh.Sample bare = Jmh.run(SqliteWebhookPathBenchmark.class, "bare", threads, quick);
            String t = threads + (threads == 1 ? " thread" : " threads");
            rows.add(new Row("webhook", "SQLite: progress event, " + t + ", throughput", "ev/s", ours.opsPerSecond(), bare.opsPerSecond(),
                    "bare statements of one event in one BEGIN IMMEDIATE, same connections", ""));
            rows.add(new Row("webhook", "SQLite: progress event, " + t + ", p50", "us", ours.p50Micros(), bare.p50Micros(),
                    "bare statements", ""));
            rows.add(new Row("webhook", "SQLite: progress event, " + t + ", p99", "us", ours.p99Micros(), bare.p99Micros(),
                    "bare statements", ""));
        }
        return rows;
    }

    private static List<Row> usage(boolean quick) throws Exception {
        Jmh.Sample ours = Jmh.run(UsageBenchmark.class, "ours", 1, quick);
        Jmh.Sample bare = Jmh.run(UsageBenchmark.class, "bare", 1, quick);
        return List.of(
                new Row("usage", "GET /usage handler, 92 days, p50", "us", ours.p50Micros(), bare.p50Micros(),
                        "the same 92 HGETALLs pipelined bare, same connection", ""),
                new Row("usage", "GET /usage handler, 92 days, p99", "us", ours.p99Micros(), bare.p99Micros(),
                        "the same 92 HGETALLs pipelined bare, same connection", ""));
    }

    private static List<Row> get(boolean quick) throws Exception {
        Jmh.Sample get = Jmh.run(GetJobBenchmark.class, "ours", 1, quick);
        Jmh.Sample hget = Jmh.run(GetJobBenchmark.class, "bare", 1, quick);
        Jmh.Sample onSqlite = Jmh.run(SqliteGetJobBenchmark.class, "ours", 1, quick);
        Jmh.Sample select = Jmh.run(SqliteGetJobBenchmark.class, "bare", 1, quick);
        return List.of(
                new Row("get", "GET /jobs/{id} handler, p50", "us", get.p50Micros(), hget.p50Micros(), "bare HGETALL, same connection", ""),
                new Row("get", "GET /jobs/{id} handler, p99", "us", get.p99Micros(), hget.p99Micros(), "bare HGETALL, same connection", ""),
                new Row("get", "SQLite: GET /jobs/{id} handler, p50", "us", onSqlite.p50Micros(), select.p50Micros(),
                        "bare SELECT of the row, same connections", ""),
                new Row("get", "SQLite: GET /jobs/{id} handler, p99", "us", onSqlite.p99Micros(), select.p99Micros(),
                        "bare SELECT of the row, same connections", ""));
    }
}
