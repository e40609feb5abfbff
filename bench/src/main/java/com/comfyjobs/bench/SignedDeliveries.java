package com.comfyjobs.bench;

import com.comfyjobs.job.Job;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * ComfyUI progress events as the webhook bridge posts them, signed (Standard Webhooks) before an
 * iteration, since signing is the sender's cost: each with its own webhook-id, so deduplication never
 * short-cuts the path, spread over the given jobs.
 */
final class SignedDeliveries {
    final byte[][] bodies;
    final List<Map<String, String>> headers;

    private SignedDeliveries(byte[][] bodies, List<Map<String, String>> headers) {
        this.bodies = bodies;
        this.headers = headers;
    }

    /** {@code n} deliveries signed with {@code secret} ("whsec_" and base64), timestamped now: they stay valid for five minutes. */
    static SignedDeliveries progress(List<Job> jobs, String secret, int n) throws Exception {
        byte[][] bodies = new byte[n][];
        List<Map<String, String>> headers = new ArrayList<>(n);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
        long ts = Instant.now().getEpochSecond();
        String run = Long.toHexString(System.nanoTime());
        for (int i = 0; i < n; i++) {
            Job j = jobs.get(i % jobs.size());
            String body = "{\"event\":\"comfy.progress\",\"data\":{\"type\":\"progress\",\"data\":{\"value\":" + (i % 20) + ",\"max\":20,"
                    + "\"prompt_id\":\"" + j.promptId() + "\",\"node\":\"3\"}},\"metadata\":{\"source\":\"comfyjobs-webhook\"}}";
            String id = "msg_" + run + "_" + i;
            String sig = Base64.getEncoder().encodeToString(mac.doFinal((id + "." + ts + "." + body).getBytes(StandardCharsets.UTF_8)));
            bodies[i] = body.getBytes(StandardCharsets.UTF_8);
            headers.add(Map.of("webhook-id", id, "webhook-timestamp", Long.toString(ts), "webhook-signature", "v1," + sig,
                    "content-type", "application/json"));
        }
        return new SignedDeliveries(bodies, headers);
    }

    int size() {
        return bodies.length;
    }
}
