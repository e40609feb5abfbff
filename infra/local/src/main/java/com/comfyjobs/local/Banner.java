package com.comfyjobs.local;

import com.comfyjobs.config.Env;
import com.comfyjobs.config.JobStoreType;
import com.comfyjobs.job.redis.RedisSettings;
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
        out.println("  Jobs page        " + api + "/   (watch and submit jobs in a browser; the API's docs at " + api + "/docs)");
        switch (JobStoreType.fromEnv(stack.env())) {
            case MEMORY -> out.println("  Jobs             in memory (JOB_STORE_TYPE=memory): gone when the stack stops");
            case SQLITE -> out.println("  Jobs             SQLite file " + stack.env().raw(LocalStack.SQLITE_PATH) + "  (JOB_STORE_TYPE=sqlite)");
            default -> out.println("  Redis            " + Env.redact(RedisSettings.fromEnv(stack.env()).url())
                    + (stack.redis() != null ? "  (embedded redis-server)" : ""));
        }
        out.println("  S3               " + stack.env().raw("S3_ENDPOINT") + "  bucket " + stack.env().raw("ARTIFACT_BUCKET")
                + (stack.s3() != null ? "  (S3Proxy)" : ""));
        out.println("  ComfyUI          " + stack.env().raw("COMFYUI_URLS") + (stack.simulator() != null ? "  (simulator)" : ""));
        out.println("  Webhook          " + api + "/webhooks/comfyui");
        out.println("  WebSocket        " + stack.webSocketUrl() + "?user=dev   (live progress; Management API on the same port)");
        out.println("  Templates        " + (stack.templates().isEmpty() ? "none" : String.join(", ", stack.templates())));
        if (stack.generatedWebhookSecret()) {
            out.println("  Webhook secret   " + stack.webhookSecret() + "  (generated; set WEBHOOK_SECRET to choose one)");
        }
        out.println();
        out.println("  !! LOCAL ONLY: the caller is whoever the X-Dev-User header names (default 'dev'; 'admin' is an admin).");
        out.println("  !! It stands in for API Gateway's JWT authorizer. Never expose this port.");
        out.println("  !! The same goes for the WebSocket API: its ?user= parameter stands in for the JWT in ?token=.");
        out.println("  !! Raw workflows: " + stack.env().raw("RAW_WORKFLOWS") + "; image URLs to private addresses allowed: "
                + stack.env().raw("ALLOW_PRIVATE_URLS") + " (deployed: admins, false).");
        out.println();
        out.println("Try it (paste as is):");
        out.println();
        out.println("  curl -s " + api + "/templates/txt2img     # the params a txt2img job takes, as a JSON Schema");
        out.println("  JOB=$(curl -s -X POST " + api + "/jobs -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-1' \\");
        out.println("    -d '{\"template\": \"txt2img\", \"params\": {\"prompt\": \"a lighthouse at dawn\", \"width\": 768}}' \\");
        out.println("    | sed -E 's/.*\"jobId\":\"([^\"]+)\".*/\\1/')");
        out.println("  echo $JOB");
        out.println("  curl -s " + api + "/jobs/$JOB            # poll: status, progress, seed, then artifacts[].url");
        out.println("  curl -s '" + api + "/jobs?limit=5'       # your jobs, newest first");
        out.println("  curl -s -X DELETE " + api + "/jobs/$JOB  # cancel (409 once it finished)");
        out.println("  curl -s " + api + "/jobs/$JOB -H 'X-Dev-User: mallory'   # another user: 404");
        out.println("  COMFYJOBS_API=" + api + " COMFYJOBS_DEV_USER=admin infra/publish-templates infra/templates  # (re)publish");
        out.println();
        out.println("A raw ComfyUI workflow (API format) goes in as {\"workflow\": {...}} instead of a template.");
        out.println("Ctrl-C stops everything this started.");
    }

    /** serve's start: where things are and how the bridge on each GPU box is set up, with no secret in it. */
    static void printServe(LocalStack stack, ServeCommand.Plan plan, PrintStream out) {
        String here = "http://THIS-HOST:";
        out.println();
        out.println("ComfyJobs is serving (bound to " + plan.options().host + ")");
        out.println("  API              " + here + stack.port());
        out.println("  Jobs page        " + here + stack.port() + "/   (asks for an API key; the API's docs at /docs)");
        out.println("  WebSocket        ws://THIS-HOST:" + stack.webSocketUrl().getPort() + WebSocketApiEmulator.PATH + "?token=KEY");
        out.println("  Webhook          " + here + stack.port() + "/webhooks/comfyui");
        switch (JobStoreType.fromEnv(stack.env())) {
            case MEMORY -> out.println("  Jobs             in memory: gone when this process stops");
            case SQLITE -> out.println("  Jobs             SQLite file " + stack.env().raw(LocalStack.SQLITE_PATH));
            default -> out.println("  Redis            " + Env.redact(RedisSettings.fromEnv(stack.env()).url()));
        }
        out.println("  Artifacts        " + (plan.options().artifactsDir != null ? plan.options().artifactsDir : plan.dataDir().resolve("s3"))
                + "  (presigned URLs at " + stack.env().raw("S3_ENDPOINT") + ")");
        out.println("  ComfyUI          " + stack.env().raw("COMFYUI_URLS"));
        out.println("  Templates        " + (stack.templates().isEmpty() ? "none" : String.join(", ", stack.templates())));
        out.println("  Callers          " + plan.options().callers.howToCall());
        out.println("  Raw workflows    " + stack.env().raw("RAW_WORKFLOWS") + "; image URLs to private addresses allowed: "
                + stack.env().raw("ALLOW_PRIVATE_URLS"));
        out.println();
        out.println("On each GPU box, install the bridge (infra/comfyui-webhook) into ComfyUI's custom_nodes/ and start ComfyUI with:");
        out.println("  COMFYJOBS_WEBHOOK_URL=" + here + stack.port() + "/webhooks/comfyui");
        out.println(plan.webhookSecretFile() != null
                ? "  COMFYJOBS_WEBHOOK_SECRET=<the contents of " + plan.webhookSecretFile().toAbsolutePath() + ">"
                : "  COMFYJOBS_WEBHOOK_SECRET=<the value of WEBHOOK_SECRET this process was started with>");
        out.println("(THIS-HOST: this machine's name or address as the GPU boxes and callers reach it.)");
    }
}
