package com.comfyjobs.local;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.observability.LogLevels;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code serve}: the whole system on one box in front of real ComfyUI servers, for callers holding API
 * keys. The stack is the development stack's ({@link LocalStack}: every function of template.yaml, the
 * webhook route, the WebSocket API, recovery and callbacks on their schedules) with these differences:
 * no simulator (ComfyUI is required), callers identified by {@link ApiKeys} (X-Dev-User is ignored),
 * the deployed defaults RAW_WORKFLOWS=admins and ALLOW_PRIVATE_URLS=false, jobs in a SQLite file by
 * default, and the webhook secret and the callback secrets' key kept in the data directory so a
 * restart (even after {@code kill -9}) picks up where it stopped. Each flag is a shorthand for an
 * environment variable of the README's configuration table; a flag wins over the variable.
 */
final class ServeCommand {
    static final String WEBHOOK_SECRET_FILE = "webhook-secret";
    static final String CALLBACK_KEY_FILE = "callback-secrets-key";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What {@code serve} starts: the stack's options and the files its secrets came from. */
    record Plan(LocalStack.Options options, Path dataDir, Path webhookSecretFile) {
    }

    private ServeCommand() {
    }

    /** Reads the flags over the environment; anything wrong is a ConfigException naming the flag or variable. */
    static Plan plan(String[] args, Map<String, String> environment) {
        LocalStack.Options o = new LocalStack.Options();
        Map<String, String> env = new HashMap<>(environment);
        o.host = "0.0.0.0";
        Path dataDir = Path.of("comfyjobs-data");
        String store = null;
        Path apiKeys = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--comfyui" -> env.put("COMFYUI_URLS", value(args, ++i, flag));
                case "--store" -> store = value(args, ++i, flag);
                case "--data-dir" -> dataDir = Path.of(value(args, ++i, flag));
                case "--artifacts" -> o.artifactsDir = Path.of(value(args, ++i, flag));
                case "--api-keys" -> apiKeys = Path.of(value(args, ++i, flag));
                case "--host" -> o.host = value(args, ++i, flag);
                case "--port" -> o.port = port(value(args, ++i, flag), flag);
                case "--ws-port" -> o.webSocketPort = port(value(args, ++i, flag), flag);
                case "--recovery-every" -> o.recoveryEvery = duration(value(args, ++i, flag), flag);
                default -> throw new ConfigException("serve: unknown option " + flag);
            }
        }
        LogLevels.fromEnv(new Env(env));
        if (blank(env.get("COMFYUI_URLS"))) {
            throw new ConfigException("serve needs ComfyUI: --comfyui http://gpu:8188[,http://gpu2:8188] (or COMFYUI_URLS)");
        }
        if (apiKeys == null) {
            throw new ConfigException("serve needs --api-keys FILE (one 'key user [admin]' per line)");
        }
        o.callers = ApiKeys.load(apiKeys);
        o.dataDir = dataDir;
        store(store == null ? "sqlite:" + dataDir.resolve("comfyjobs.db") : store, env);
        env.putIfAbsent("RAW_WORKFLOWS", "admins");
        env.putIfAbsent("ALLOW_PRIVATE_URLS", "false");
        Path secretFile = null;
        if (blank(env.get("WEBHOOK_SECRET"))) {
            secretFile = dataDir.resolve(WEBHOOK_SECRET_FILE);
            env.put("WEBHOOK_SECRET", PersistedSecret.readOrCreate(secretFile, () -> "whsec_" + random(32)));
        }
        if (blank(env.get("CALLBACK_SECRETS_KEY"))) {
            env.put("CALLBACK_SECRETS_KEY", PersistedSecret.readOrCreate(dataDir.resolve(CALLBACK_KEY_FILE), () -> random(36)));
        }
        o.env = env;
        return new Plan(o, dataDir, secretFile);
    }

    /** {@code sqlite:PATH}, {@code memory}, {@code redis} (REDIS_URL or REDIS_HOST from the environment) or a Redis URL. */
    private static void store(String spec, Map<String, String> env) {
        if (spec.startsWith("sqlite:") && spec.length() > "sqlite:".length()) {
            env.put("JOB_STORE_TYPE", "sqlite");
            env.put(LocalStack.SQLITE_PATH, spec.substring("sqlite:".length()));
        } else if (spec.equals("memory")) {
            env.put("JOB_STORE_TYPE", "memory");
        } else if (spec.startsWith("redis://") || spec.startsWith("rediss://")) {
            env.put("JOB_STORE_TYPE", "redis");
            env.put("REDIS_URL", spec);
        } else if (spec.equals("redis")) {
            if (blank(env.get("REDIS_URL")) && blank(env.get("REDIS_HOST"))) {
                throw new ConfigException("--store redis needs REDIS_URL or REDIS_HOST (or give the URL: --store redis://host:6379)");
            }
            env.put("JOB_STORE_TYPE", "redis");
        } else {
            throw new ConfigException("--store must be sqlite:PATH, memory, redis or a redis:// URL, was '" + spec + "'");
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new ConfigException(flag + " needs a value");
        }
        return args[i];
    }

    private static int port(String s, String flag) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // answered below with the flag's name
        }
        throw new ConfigException(flag + " must be a port number 0..65535, was '" + s + "'");
    }

    private static Duration duration(String s, String flag) {
        Duration d = LocalStackMain.parseDuration(s);
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigException(flag + " must be a positive duration (5s, 1m, PT30S), was '" + s + "'");
        }
        return d;
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
