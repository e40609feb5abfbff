package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.HttpRequests;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.functions.http.PrimingRequests;
import com.comfyjobs.job.Caller;
import com.comfyjobs.job.Job;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.query.JobJson;
import com.comfyjobs.submit.SubmitRequest;
import com.comfyjobs.submit.SubmitResult;
import com.comfyjobs.submit.SubmitService;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * POST /jobs: 202 with the job id at once; 422 when ComfyUI refuses the workflow; 403 when
 * RAW_WORKFLOWS does not let the caller submit one.
 */
public class SubmitJobHandler extends ApiHandler {
    /** A small raw graph for priming; it is parsed and checked, never sent. */
    private static final byte[] PRIMING_BODY = ("{\"workflow\":{"
            + "\"1\":{\"class_type\":\"EmptyLatentImage\",\"inputs\":{\"width\":64,\"height\":64,\"batch_size\":1}},"
            + "\"2\":{\"class_type\":\"SaveImage\",\"inputs\":{\"images\":[\"1\",0],\"filename_prefix\":\"priming\"}}}}")
            .getBytes(StandardCharsets.UTF_8);

    @Inject
    SubmitService service;

    @Inject
    ServiceSettings settings;

    public SubmitJobHandler() {
        super();
    }

    public SubmitJobHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        SubmitRequest request = SubmitRequest.parse(HttpRequests.body(event), settings.maxRequestBytes());
        String key = HttpRequests.header(event, "Idempotency-Key").orElse(null);
        SubmitResult result = service.submit(caller, request, key);
        Job job = result.job();
        JsonLog.job(job.id());
        Map<String, String> headers = new HashMap<>();
        if (result.replayed()) {
            headers.put("Idempotent-Replayed", "true");
        }
        if (result.outcome() == SubmitResult.Outcome.ACCEPTED) {
            headers.put("Location", "/jobs/" + job.id());
            ObjectNode body = HttpResponses.object().put("jobId", job.id()).put("status", "queued")
                    .put("createdAt", JobJson.timestamp(job.createdAt()));
            return HttpResponses.json(202, body, headers);
        }
        ObjectNode ext = HttpResponses.object().put("jobId", job.id());
        JsonNode details = JobJson.details(job.error());
        if (details != null) {
            ext.set("error", details.get("error"));
            ext.set("node_errors", details.get("node_errors"));
        }
        return HttpResponses.problem(422, "Workflow rejected by ComfyUI", job.error().message(), ext, headers);
    }

    /**
     * A request without a workflow through the whole handler (400, refused before anything is read or
     * written), then a synthetic workflow parsed and held to the submit rules without submitting it,
     * and the 202 answer rendered.
     */
    @Override
    protected void prime() {
        primeWith("POST /jobs", "/jobs", null, "{}", Map.of("content-type", "application/json"));
        service.rehearse(SubmitRequest.parse(PRIMING_BODY, settings.maxRequestBytes()));
        HttpResponses.json(202, HttpResponses.object().put("jobId", PrimingRequests.NO_JOB).put("status", "queued")
                .put("createdAt", JobJson.timestamp(Instant.now())), Map.of("Location", "/jobs/" + PrimingRequests.NO_JOB));
    }
}
