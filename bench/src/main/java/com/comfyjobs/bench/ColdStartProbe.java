package com.comfyjobs.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.servers.LocalLambdaContext;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Run in a fresh JVM with only the functions jar and this class on the classpath: builds one handler
 * the way the Lambda runtime does (default constructor, configuration from the environment), answers
 * one event, and prints the milliseconds from JVM start to that answer.
 * args: handler class name, event kind (submit, get, list, cancel, webhook, schedule, bare), then the
 * job id, or for submit the path of a request body.
 */
public final class ColdStartProbe {
    private ColdStartProbe() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void main(String[] args) throws Exception {
        RequestHandler handler = (RequestHandler) Class.forName(args[0]).getConstructor().newInstance();
        String job = args.length > 2 ? args[2] : "00000000-0000-4000-8000-000000000000";
        Object input = switch (args[1]) {
            case "submit" -> Events.submit(java.nio.file.Files.readString(java.nio.file.Path.of(args[2])), "probe-user");
            case "get", "bare" -> Events.get(job, "probe-user");
            case "list" -> Events.event("GET", "/jobs", "GET /jobs", null, null, "probe-user", Map.of());
            case "cancel" -> Events.event("DELETE", "/jobs/" + job, "DELETE /jobs/{jobId}", Map.of("jobId", job), null, "probe-user", Map.of());
            case "webhook" -> signedProgress(job);
            default -> Map.of();
        };
        Object answer = handler.handleRequest(input, new LocalLambdaContext("probe", Duration.ofSeconds(60), 1024));
        long ms = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        String status = answer instanceof APIGatewayV2HTTPResponse r ? Integer.toString(r.getStatusCode()) : "ok";
        System.out.println("COLDSTART " + ms + " " + status);
        System.exit(0);
    }

    private static APIGatewayV2HTTPEvent signedProgress(String job) throws Exception {
        String body = "{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"value\":1,\"max\":20,\"prompt_id\":\""
                + job + "_1\",\"node\":\"3\"}}}";
        String secret = System.getenv("WEBHOOK_SECRET");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        long ts = Instant.now().getEpochSecond();
        String id = "msg_probe_" + System.nanoTime();
        String sig = "v1," + Base64.getEncoder().encodeToString(mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8)));
        return Events.event("POST", "/webhooks/comfyui", "POST /webhooks/comfyui", null, body, "unused",
                Map.of("webhook-id", id, "webhook-timestamp", Long.toString(ts), "webhook-signature", sig));
    }
}
