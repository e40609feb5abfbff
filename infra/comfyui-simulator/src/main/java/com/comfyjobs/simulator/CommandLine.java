package com.comfyjobs.simulator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Turns SimulatorMain's arguments into a simulator builder. */
final class CommandLine {
    static final String USAGE = String.join("\n",
            "Usage: java -jar comfyui-simulator.jar [options]",
            "",
            "A ComfyUI 0.3.64 stand-in: HTTP API, WebSocket, queue, history, PNG outputs, webhooks and faults.",
            "",
            "Options:",
            "  --port N                  port to listen on; 0 picks a free one (default 8188)",
            "  --host HOST               address to listen on (default 127.0.0.1)",
            "  --step-ms N               time per sampler step in ms (default 50)",
            "  --node-ms N               time per other node in ms (default 10)",
            "  --output-dir DIR          where SaveImage writes (default: a fresh temp dir)",
            "  --input-dir DIR           where uploads go and LoadImage reads (default: a fresh temp dir)",
            "  --checkpoints A,B,...     checkpoint names CheckpointLoaderSimple accepts",
            "                            (default " + String.join(",", ComfyUiSimulator.DEFAULT_CHECKPOINTS) + ")",
            "  --history-cap N           history entries kept (default 10000)",
            "  --token T                 require \"Authorization: Bearer T\" on every request (default: none)",
            "  --seed N                  seed for the fault knobs' randomness",
            "  --webhook-url URL         post every event there as a signed Standard Webhook",
            "  --webhook-secret SECRET   signing secret, whsec_<base64> or base64 (required with --webhook-url)",
            "  --webhook-coalesce-ms N   at most one progress/progress_state per prompt per N ms (default 1000, as the bridge; 0: all)",
            "  --webhook-batch N         envelopes of one prompt per POST, a JSON array when N > 1 (default 20, as the bridge)",
            "  --webhook-drop-pct P      drop this percentage of deliveries unsent (default 0)",
            "  --webhook-dup-pct P       send this percentage of deliveries twice (default 0)",
            "  --webhook-reorder         let deliveries overtake each other within a small window",
            "  --webhook-max-attempts N  attempts per delivery, the first included (default 6)",
            "  --help                    show this text",
            "",
            "Faults can be switched at runtime over HTTP under /_sim/ (see README.md).");

    private static final Set<String> VALUE_OPTIONS = Set.of("--port", "--host", "--step-ms", "--node-ms", "--output-dir",
            "--input-dir", "--checkpoints", "--history-cap", "--token", "--seed", "--webhook-url", "--webhook-secret",
            "--webhook-coalesce-ms", "--webhook-batch", "--webhook-drop-pct", "--webhook-dup-pct", "--webhook-max-attempts");

    private CommandLine() {
    }

    /** The configured builder, or null when --help was asked for. */
    static ComfyUiSimulator.Builder parse(String[] args) throws UsageException {
        List<String> argv = new ArrayList<>(List.of("main.py"));
        argv.addAll(List.of(args));
        ComfyUiSimulator.Builder builder = ComfyUiSimulator.builder().argv(argv);
        WebhookOptions.Builder webhook = WebhookOptions.builder();
        boolean webhookOption = false;
        String url = null;
        String secret = null;
        List<String> queue = new ArrayList<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                queue.add(arg.substring(0, eq));
                queue.add(arg.substring(eq + 1));
            } else {
                queue.add(arg);
            }
        }
        for (int i = 0; i < queue.size(); i++) {
            String option = queue.get(i);
            switch (option) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--webhook-reorder" -> {
                    webhook.reorder(true);
                    webhookOption = true;
                }
                default -> {
                    if (!option.startsWith("--")) {
                        throw new UsageException("unexpected argument: " + option);
                    }
                    if (!VALUE_OPTIONS.contains(option)) {
                        throw new UsageException("unknown option: " + option);
                    }
                    if (i + 1 >= queue.size()) {
                        throw new UsageException(option + " needs a value");
                    }
                    String value = queue.get(++i);
                    switch (option) {
                        case "--port" -> builder.port((int) integer(option, value, 0, 65535));
                        case "--host" -> builder.host(value);
                        case "--step-ms" -> builder.stepMillis(integer(option, value, 0, Long.MAX_VALUE));
                        case "--node-ms" -> builder.nodeMillis(integer(option, value, 0, Long.MAX_VALUE));
                        case "--output-dir" -> builder.outputDir(Path.of(value));
                        case "--input-dir" -> builder.inputDir(Path.of(value));
                        case "--checkpoints" -> builder.checkpoints(Arrays.stream(value.split(","))
                                .map(String::strip).filter(name -> !name.isEmpty()).toList());
                        case "--history-cap" -> builder.historyCap((int) integer(option, value, 0, Integer.MAX_VALUE));
                        case "--token" -> builder.bearerToken(value);
                        case "--seed" -> builder.randomSeed(integer(option, value, Long.MIN_VALUE, Long.MAX_VALUE));
                        case "--webhook-url" -> url = value;
                        case "--webhook-secret" -> secret = value;
                        case "--webhook-coalesce-ms" -> {
                            webhook.coalesceMillis(integer(option, value, 0, Long.MAX_VALUE));
                            webhookOption = true;
                        }
                        case "--webhook-batch" -> {
                            webhook.batchSize((int) integer(option, value, 1, 1000));
                            webhookOption = true;
                        }
                        case "--webhook-drop-pct" -> {
                            webhook.dropPercent(percent(option, value));
                            webhookOption = true;
                        }
                        case "--webhook-dup-pct" -> {
                            webhook.duplicatePercent(percent(option, value));
                            webhookOption = true;
                        }
                        case "--webhook-max-attempts" -> {
                            webhook.maxAttempts((int) integer(option, value, 1, 1000));
                            webhookOption = true;
                        }
                        default -> throw new IllegalStateException("VALUE_OPTIONS lists " + option + " without a case");
                    }
                }
            }
        }
        if (url == null && (secret != null || webhookOption)) {
            throw new UsageException("webhook options need --webhook-url");
        }
        if (url != null) {
            if (secret == null) {
                throw new UsageException("--webhook-url needs --webhook-secret");
            }
            try {
                builder.webhook(webhook.url(url).secret(secret).build());
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        return builder;
    }

    private static long integer(String option, String value, long min, long max) throws UsageException {
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed < min || parsed > max) {
                throw new UsageException(option + " must be within " + min + ".." + max + ", got " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " needs a whole number, got " + value);
        }
    }

    private static double percent(String option, String value) throws UsageException {
        try {
            double parsed = Double.parseDouble(value.strip());
            if (parsed < 0 || parsed > 100) {
                throw new UsageException(option + " must be within 0..100, got " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " needs a number, got " + value);
        }
    }
}
