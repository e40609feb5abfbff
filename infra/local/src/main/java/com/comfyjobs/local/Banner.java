package com.comfyjobs.local;

import java.io.PrintStream;

/** What the local stack prints on start: where things are, and a walkthrough that can be pasted as is. */
final class Banner {
    private Banner() {
    }

    static void print(LocalStack stack, PrintStream out) {
        String api = stack.apiUrl().toString();
        out.println();
        out.println("ComfyJobs local stack is up");
        out.println("  API              " + api);
        out.println("  Redis            " + com.comfyjobs.config.Env.redact(java.net.URI.create(stack.env().raw("REDIS_URL")))
                + (stack.redis() != null ? "  (embedded redis-server)" : ""));
        out.println("  S3               " + stack.env().raw("S3_ENDPOINT") + "  bucket " + stack.env().raw("ARTIFACT_BUCKET")
                + (stack.s3() != null ? "  (S3Proxy)" : ""));
        out.println("  ComfyUI          " + stack.env().raw("COMFYUI_URLS") + (stack.simulator() != null ? "  (simulator)" : ""));
        out.println("  Webhook          " + api + "/webhooks/comfyui");
        if (stack.generatedWebhookSecret()) {
            out.println("  Webhook secret   " + stack.webhookSecret() + "  (generated; set WEBHOOK_SECRET to choose one)");
        }
        out.println();
        out.println("  !! LOCAL ONLY: the caller is whoever the X-Dev-User header names (default 'dev').");
        out.println("  !! It stands in for API Gateway's JWT authorizer. Never expose this port.");
        out.println("  !! Raw workflows: " + stack.env().raw("RAW_WORKFLOWS") + "; image URLs to private addresses allowed: "
                + stack.env().raw("ALLOW_PRIVATE_URLS") + " (deployed: admins, false).");
        out.println();
        out.println("Try it (paste as is):");
        out.println();
        out.println("  JOB=$(curl -s -X POST " + api + "/jobs -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-1' \\");
        out.println("    -d '{\"workflow\": {\"3\": {\"class_type\": \"KSampler\", \"inputs\": {\"seed\": 42, \"steps\": 20, \"cfg\": 8,"
                + " \"sampler_name\": \"euler\", \"scheduler\": \"normal\", \"denoise\": 1, \"model\": [\"4\", 0], \"positive\": [\"6\", 0],"
                + " \"negative\": [\"7\", 0], \"latent_image\": [\"5\", 0]}}, \"4\": {\"class_type\": \"CheckpointLoaderSimple\", \"inputs\":"
                + " {\"ckpt_name\": \"v1-5-pruned-emaonly.safetensors\"}}, \"5\": {\"class_type\": \"EmptyLatentImage\", \"inputs\":"
                + " {\"width\": 512, \"height\": 512, \"batch_size\": 1}}, \"6\": {\"class_type\": \"CLIPTextEncode\", \"inputs\":"
                + " {\"text\": \"a lighthouse at dawn\", \"clip\": [\"4\", 1]}}, \"7\": {\"class_type\": \"CLIPTextEncode\", \"inputs\":"
                + " {\"text\": \"blurry\", \"clip\": [\"4\", 1]}}, \"8\": {\"class_type\": \"VAEDecode\", \"inputs\": {\"samples\": [\"3\", 0],"
                + " \"vae\": [\"4\", 2]}}, \"9\": {\"class_type\": \"SaveImage\", \"inputs\": {\"filename_prefix\": \"ComfyUI\", \"images\":"
                + " [\"8\", 0]}}}}' | sed -E 's/.*\"jobId\":\"([^\"]+)\".*/\\1/')");
        out.println("  echo $JOB");
        out.println("  curl -s " + api + "/jobs/$JOB            # poll: status, progress, then artifacts[].url");
        out.println("  curl -s '" + api + "/jobs?limit=5'       # your jobs, newest first");
        out.println("  curl -s -X DELETE " + api + "/jobs/$JOB  # cancel (409 once it finished)");
        out.println("  curl -s " + api + "/jobs/$JOB -H 'X-Dev-User: mallory'   # another user: 404");
        out.println();
        out.println("Ctrl-C stops everything this started.");
    }
}
