package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.HttpRequests;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.functions.http.PrimingRequests;
import com.comfyjobs.job.Caller;
import com.comfyjobs.query.JobJson;
import com.comfyjobs.query.JobQueryService;
import com.comfyjobs.query.JobViews;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;
import java.util.Map;

/**
 * GET /jobs/{jobId}: the caller's job with fresh artifact URLs; 404 for unknown and foreign ids alike;
 * while Redis is down, what ComfyUI shows of the caller's job, marked degraded.
 */
public class GetJobHandler extends ApiHandler {
    @Inject
    JobQueryService service;

    @Inject
    JobViews views;

    public GetJobHandler() {
        super();
    }

    public GetJobHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        return HttpResponses.json(200, JobJson.reading(service.read(caller.userId(), HttpRequests.pathParameter(event, "jobId"))));
    }

    /** A read of a job that cannot exist (404), then the 200 answer for a synthetic finished job, its output URL presigned (no network). */
    @Override
    protected void prime() {
        primeWith("GET /jobs/{jobId}", "/jobs/" + PrimingRequests.NO_JOB, Map.of("jobId", PrimingRequests.NO_JOB), null, Map.of());
        HttpResponses.json(200, JobJson.view(views.of(PrimingRequests.succeededJob())));
    }
}
