package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.HttpRequests;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.job.Caller;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.query.DeleteArtifactsService;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;

/**
 * DELETE /jobs/{jobId}/artifacts: 204 once the ended job's files (outputs and input images) are gone
 * from the bucket, again for a repeat; 404 for unknown and foreign ids alike; 409 while the job runs.
 */
public class DeleteArtifactsHandler extends ApiHandler {
    @Inject
    DeleteArtifactsService service;

    public DeleteArtifactsHandler() {
        super();
    }

    public DeleteArtifactsHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        String jobId = HttpRequests.pathParameter(event, "jobId");
        JsonLog.job(jobId);
        service.delete(caller.userId(), jobId);
        return HttpResponses.noContent();
    }
}
