package com.comfyjobs.local;

import com.comfyjobs.config.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The variables {@code sam local invoke --env-vars events/env.json} gives every function (its
 * {@code Parameters} section), and the local stack started to match them ({@code --sam-local FILE}):
 * the built-in Redis, S3Proxy and ComfyUI simulator on the ports the file names, the same webhook
 * secret, callback secrets' key, key prefix, shard count and bucket, so that a function run by SAM in
 * Docker and the local stack share one set of jobs.
 */
final class SamLocalEnv {
    /** What must agree between the local stack and the functions SAM runs for both to read the same jobs. */
    private static final String[] SHARED = {"WEBHOOK_SECRET", "CALLBACK_SECRETS_KEY", "REDIS_KEY_PREFIX", "REDIS_SHARDS", "ARTIFACT_BUCKET"};

    private final Path file;
    private final Map<String, String> parameters;

    private SamLocalEnv(Path file, Map<String, String> parameters) {
        this.file = file;
        this.parameters = parameters;
    }

    static SamLocalEnv read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(file + ": not a readable JSON file (" + e.getMessage() + ")");
        }
        JsonNode p = root == null ? null : root.get("Parameters");
        if (p == null || !p.isObject()) {
            throw new ConfigException(file + ": has no \"Parameters\" object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        p.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return new SamLocalEnv(file, out);
    }

    Map<String, String> parameters() {
        return parameters;
    }

    String required(String name) {
        String v = parameters.get(name);
        if (v == null || v.isBlank()) {
            throw new ConfigException(file + ": Parameters." + name + " is missing or blank");
        }
        return v;
    }

    /** Starts the local stack's own servers where the file points the functions, with the values both must share. */
    void applyTo(LocalStack.Options options) {
        options.redisPort = loopbackPort("REDIS_URL");
        options.s3Port = loopbackPort("S3_ENDPOINT");
        options.simulatorPort = loopbackPort("COMFYUI_URLS");
        options.webSocketPort = loopbackPort("WEBSOCKET_ENDPOINT");
        for (String name : SHARED) {
            options.env.put(name, required(name));
        }
    }

    private int loopbackPort(String name) {
        URI uri;
        try {
            uri = URI.create(required(name));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": Parameters." + name + " is not a URL");
        }
        if (!"127.0.0.1".equals(uri.getHost()) || uri.getPort() <= 0) {
            throw new ConfigException(file + ": Parameters." + name + " must name 127.0.0.1 and a port (SAM runs the function with"
                    + " --docker-network host), was " + uri);
        }
        return uri.getPort();
    }
}
