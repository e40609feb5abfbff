package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.HttpRequests;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.functions.http.PrimingRequests;
import com.comfyjobs.job.Caller;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.query.CancelService;
import com.comfyjobs.query.JobJson;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;
import java.util.Map;

/** DELETE /jobs/{jobId}: 202 with the job (canceled, or cancelRequested while ComfyUI interrupts it). */
public class CancelJobHandler extends ApiHandler {
    @Inject
    CancelService service;

    public CancelJobHandler() {
        super();
    }

    public CancelJobHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        String jobId = HttpRequests.pathParameter(event, "jobId");
        JsonLog.job(jobId);
        return HttpResponses.json(202, JobJson.publicView(service.cancel(caller.userId(), jobId), a -> null));
    }

    /** A cancel of a job that cannot exist: it stops at the read (404), before any write or ComfyUI call. */
    @Override
    protected void prime() {
        primeWith("DELETE /jobs/{jobId}", "/jobs/" + PrimingRequests.NO_JOB, Map.of("jobId", PrimingRequests.NO_JOB), null, Map.of());
        HttpResponses.json(202, JobJson.publicView(PrimingRequests.succeededJob(), a -> null));
    }
}
