package com.comfyjobs.local;

import com.comfyjobs.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar infra/local/target/comfyjobs-local.jar [--port 3000] [--demo] ...}: starts the
 * local stack, prints where everything is and a curl walkthrough, and runs until Ctrl-C, which stops
 * every server it started. With --demo it drives a scripted tour instead and exits 0 only if every
 * job ended as it should.
 */
public final class LocalStackMain {
    private LocalStackMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("serve")) {
            serve(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        LocalStack.Options options = new LocalStack.Options();
        boolean demo = false;
        Path samLocal = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> options.port = Integer.parseInt(value(args, ++i, "--port"));
                case "--host" -> options.host = value(args, ++i, "--host");
                case "--ws-port" -> options.webSocketPort = Integer.parseInt(value(args, ++i, "--ws-port"));
                case "--recovery-every" -> options.recoveryEvery = duration(value(args, ++i, "--recovery-every"));
                case "--step-ms" -> options.simulatorStepMillis = Integer.parseInt(value(args, ++i, "--step-ms"));
                case "--data-dir" -> options.dataDir = Path.of(value(args, ++i, "--data-dir"));
                case "--demo" -> demo = true;
                case "--sam-local" -> samLocal = Path.of(value(args, ++i, "--sam-local"));
                case "--help", "-h" -> {
                    usage();
                    return;
                }
                default -> {
                    System.err.println("unknown option " + args[i]);
                    usage();
                    System.exit(2);
                }
            }
        }
        if (demo) {
            Demo.configure(options);
        }
        LocalStack stack;
        try {
            if (samLocal != null) {
                SamLocalEnv.read(samLocal).applyTo(options);
            }
            stack = LocalStack.start(options);
        } catch (ConfigException e) {
            System.err.println("configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "local-stack-shutdown"));
        if (demo) {
            // the services' JSON log lines would tear the progress bars apart; they go to a file instead
            java.nio.file.Path log = java.nio.file.Files.createTempFile("comfyjobs-demo-", ".log");
            com.comfyjobs.observability.JsonLog.redirect(new java.io.PrintStream(java.nio.file.Files.newOutputStream(log), true,
                    java.nio.charset.StandardCharsets.UTF_8));
            System.out.println("service logs: " + log);
            boolean ok = new Demo(stack, System.out).run();
            System.exit(ok ? 0 : 1);
        }
        Banner.print(stack, System.out);
        stopped.await();
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println(option + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    /** "5s", "2m" or an ISO-8601 duration. */
    static Duration duration(String s) {
        Duration d = parseDuration(s);
        if (d == null) {
            System.err.println("not a duration: " + s + " (use 5s, 2m or PT5S)");
            System.exit(2);
        }
        return d;
    }

    /** "500ms", "5s", "2m", "1h" or an ISO-8601 duration; null for anything else. */
    static Duration parseDuration(String s) {
        try {
            if (s.matches("\\d+ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.matches("\\d+[smh]")) {
                long n = Long.parseLong(s.substring(0, s.length() - 1));
                return switch (s.charAt(s.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                };
            }
            return Duration.parse(s);
        } catch (DateTimeParseException | ArithmeticException e) {
            return null;
        }
    }

    /** {@code serve ...}: see {@link ServeCommand}. Runs until the process is stopped. */
    private static void serve(String[] args) throws InterruptedException {
        LocalStack stack;
        ServeCommand.Plan plan;
        try {
            plan = ServeCommand.plan(args, System.getenv());
            stack = LocalStack.start(plan.options());
        } catch (ConfigException e) {
            System.err.println("configuration: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "serve-shutdown"));
        Banner.printServe(stack, plan, System.out);
        stopped.await();
    }

    private static void usage() {
        System.out.println("""
                usage: java -jar infra/local/target/comfyjobs-local.jar [options]
                       java -jar infra/local/target/comfyjobs-local.jar serve --comfyui URL[,URL] --api-keys FILE [serve options]

                  --port N              API port (default 3000)
                  --host H              address to bind (default 127.0.0.1)
                  --ws-port N           WebSocket API port (default 3001; 0 for any free port)
                  --recovery-every D    run recovery every D (5s, 1m, PT30S) instead of the template's rate(1 minute)
                  --step-ms N           simulated sampler step time (default 40)
                  --data-dir DIR        where S3 objects, ComfyUI outputs and the SQLite file go (default: a temp dir)
                  --demo                run the scripted tour and exit 0 if every job ended as expected
                  --sam-local FILE      Redis, S3 and the simulator where FILE (events/env.json) points the functions that
                                        `sam local invoke --env-vars FILE` runs, with its secrets: both share the jobs

                serve: one box in front of real ComfyUI servers, callers identified by API keys
                  --comfyui URL[,URL]   the ComfyUI servers (COMFYUI_URLS)
                  --api-keys FILE       one 'key user [admin]' per line; HTTP: Authorization: Bearer KEY, WebSocket: ?token=KEY
                  --store SPEC          sqlite:PATH (default sqlite:DATA_DIR/comfyjobs.db), memory, redis or redis://...
                                        (JOB_STORE_TYPE, SQLITE_PATH, REDIS_URL)
                  --data-dir DIR        the webhook secret, the callback secrets' key and by default the jobs (default ./comfyjobs-data)
                  --artifacts DIR       where the artifacts' files go (default DATA_DIR/s3)
                  --host H, --port N, --ws-port N, --recovery-every D   as above; --host defaults to 0.0.0.0

                Environment: REDIS_URL (or REDIS_HOST and its parts), S3_ENDPOINT (+ ARTIFACT_BUCKET, AWS credentials), COMFYUI_URLS and
                WEBHOOK_SECRET replace the built-in Redis, S3, ComfyUI simulator and generated secret; JOB_STORE_TYPE=memory
                or JOB_STORE_TYPE=sqlite (file SQLITE_PATH, default DATA_DIR/comfyjobs.db) keeps jobs without Redis; every
                other variable of the README's configuration table applies as in AWS.
                """);
    }
}
