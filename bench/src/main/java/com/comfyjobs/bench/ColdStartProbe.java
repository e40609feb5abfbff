package com.comfyjobs.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.artifacts.ArtifactKeys;
import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.config.Env;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.redis.RedisKeys;
import com.comfyjobs.query.JobJson;
import com.comfyjobs.servers.LocalLambdaContext;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Run in a fresh JVM with only the functions jar and the probe's classes on the classpath: builds one
 * handler the way the Lambda runtime does (default constructor, configuration from the environment)
 * and answers events with it.
 * args: handler class name; event kind (submit, get, list, cancel, webhook, schedule, bare); the job
 * id, or for submit the path of a request body; the mode:
 * <ul>
 * <li>{@code first}: one event; prints the milliseconds from JVM start to its answer and the classes
 * loaded by then (the probe's own few included, the same for every handler).</li>
 * <li>{@code parts}: before the handler, builds alone and in the order a request meets them the
 * libraries every handler starts (a bare Micronaut context, Jackson's first job JSON, our artifact
 * store with one presign, a lettuce connection with one HGETALL), then the handler, then
 * answers; prints the milliseconds of each part. A part pays for the classes it is the first to
 * load, so the handler and request parts are what our code adds beyond those libraries.</li>
 * <li>{@code primed}: builds the handler, runs the checkpoint and restore hooks through
 * org.crac (the JVM must name {@link com.comfyjobs.bench.crac} in {@code org.crac.Core.Compat}), then
 * answers one event, a second and then {@link #WARM} more; prints the priming's milliseconds, then the
 * first answer's, the second's and the median of the last half of the warm ones' microseconds.</li>
 * </ul>
 */
public final class ColdStartProbe {
    /** Enough answers after the first for C1 to have compiled the request path, as in a container that has served a while. */
    static final int WARM = 400;

    private ColdStartProbe() {
    }

    public static void main(String[] args) throws Exception {
        long startMs = ManagementFactory.getRuntimeMXBean().getStartTime();
        String mode = args.length > 3 ? args[3] : "first";
        Supplier<Object> events = events(args[1], args.length > 2 ? args[2] : "00000000-0000-4000-8000-000000000000");
        LocalLambdaContext context = new LocalLambdaContext("probe", Duration.ofSeconds(60), 1024);
        switch (mode) {
            case "first" -> {
                Object answer = handler(args[0]).handleRequest(events.get(), context);
                System.out.println("COLDSTART " + (System.currentTimeMillis() - startMs) + " "
                        + ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() + " " + status(answer));
            }
            case "parts" -> parts(startMs, args[0], events, context, args.length > 2 ? args[2] : "");
            case "primed" -> primed(args[0], events, context);
            default -> throw new IllegalArgumentException("no mode " + mode);
        }
        System.exit(0);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void parts(long startMs, String handlerClass, Supplier<Object> events, LocalLambdaContext context, String job)
            throws Exception {
        long jvm = System.currentTimeMillis() - startMs;
        long t = System.nanoTime();
        new BareHandler();
        long micronaut = since(t);
        t = System.nanoTime();
        Instant now = Instant.now();
        String json = JobJson.toJson(Job.queued("00000000-0000-4000-8000-000000000000", "probe-user", JobType.IMAGE_GENERATION, now)
                .build()).toString();
        JobJson.fromJson(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json));
        long jackson = since(t);
        t = System.nanoTime();
        try (ArtifactStore s3 = ArtifactStore.create(ArtifactSettings.fromEnv(Env.system()))) {
            s3.presign(ArtifactKeys.ROOT + "probe-user/probe/output.png");
        }
        long sdk = since(t);
        t = System.nanoTime();
        RedisClient client = RedisClient.create(System.getenv("REDIS_URL"));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().hgetall(new RedisKeys("cj", 16).job(job));
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        long lettuce = since(t);
        t = System.nanoTime();
        RequestHandler handler = handler(handlerClass);
        long built = since(t);
        t = System.nanoTime();
        Object answer = handler.handleRequest(events.get(), context);
        long request = since(t);
        System.out.println("PARTS " + jvm + " " + micronaut + " " + jackson + " " + sdk + " " + lettuce + " " + built + " " + request
                + " " + status(answer));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void primed(String handlerClass, Supplier<Object> events, LocalLambdaContext context) throws Exception {
        RequestHandler handler = handler(handlerClass);
        long t = System.nanoTime();
        org.crac.Core.checkpointRestore();
        long priming = since(t);
        t = System.nanoTime();
        Object answer = handler.handleRequest(events.get(), context);
        long first = (System.nanoTime() - t) / 1000;
        Object secondEvent = events.get();
        t = System.nanoTime();
        handler.handleRequest(secondEvent, context);
        long second = (System.nanoTime() - t) / 1000;
        long[] warm = new long[WARM];
        for (int i = 0; i < WARM; i++) {
            Object event = events.get();
            t = System.nanoTime();
            handler.handleRequest(event, context);
            warm[i] = (System.nanoTime() - t) / 1000;
        }
        long[] last = Arrays.copyOfRange(warm, WARM / 2, WARM);
        Arrays.sort(last);
        System.out.println(String.format(Locale.ROOT, "PRIMED %d %d %d %d %s", priming, first, second, last[last.length / 2],
                status(answer)));
    }

    @SuppressWarnings("rawtypes")
    private static RequestHandler handler(String name) throws Exception {
        return (RequestHandler) Class.forName(name).getConstructor().newInstance();
    }

    private static Supplier<Object> events(String kind, String arg) throws Exception {
        return switch (kind) {
            case "submit" -> {
                String body = Files.readString(Path.of(arg));
                yield () -> Events.submit(body, "probe-user");
            }
            case "get", "bare" -> () -> Events.get(arg, "probe-user");
            case "list" -> () -> Events.event("GET", "/jobs", "GET /jobs", null, null, "probe-user", Map.of());
            case "cancel" -> () -> Events.event("DELETE", "/jobs/" + arg, "DELETE /jobs/{jobId}", Map.of("jobId", arg), null,
                    "probe-user", Map.of());
            case "webhook" -> () -> signedProgress(arg);
            default -> Map::of;
        };
    }

    private static long since(long t) {
        return (System.nanoTime() - t) / 1_000_000;
    }

    private static String status(Object answer) {
        return answer instanceof APIGatewayV2HTTPResponse r ? Integer.toString(r.getStatusCode()) : "ok";
    }

    private static APIGatewayV2HTTPEvent signedProgress(String job) {
        String body = "{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"value\":1,\"max\":20,\"prompt_id\":\""
                + job + "_1\",\"node\":\"3\"}}}";
        String secret = System.getenv("WEBHOOK_SECRET");
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            long ts = Instant.now().getEpochSecond();
            String id = "msg_probe_" + System.nanoTime();
            String sig = "v1," + Base64.getEncoder().encodeToString(
                    mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8)));
            return Events.event("POST", "/webhooks/comfyui", "POST /webhooks/comfyui", null, body, "unused",
                    Map.of("webhook-id", id, "webhook-timestamp", Long.toString(ts), "webhook-signature", sig));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
