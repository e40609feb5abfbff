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
import com.comfyjobs.query.JobViewPage;
import com.comfyjobs.query.JobViews;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;

/** GET /jobs?status=&limit=&cursor=: the caller's jobs, newest first. */
public class ListJobsHandler extends ApiHandler {
    @Inject
    JobQueryService service;

    @Inject
    JobViews views;

    public ListJobsHandler() {
        super();
    }

    public ListJobsHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        return HttpResponses.json(200, JobJson.page(service.list(caller.userId(), HttpRequests.queryParameter(event, "status"),
                HttpRequests.queryParameter(event, "limit"), HttpRequests.queryParameter(event, "cursor"))));
    }

    /** The synthetic caller's page (empty: it has no jobs), then a page of one synthetic finished job, its output URL presigned. */
    @Override
    protected void prime() {
        primeWith("GET /jobs", "/jobs", null, null, Map.of());
        HttpResponses.json(200, JobJson.page(new JobViewPage(List.of(views.of(PrimingRequests.succeededJob())), null)));
    }
}
