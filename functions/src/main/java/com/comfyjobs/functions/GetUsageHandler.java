package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.HttpRequests;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.functions.http.UsageJson;
import com.comfyjobs.job.Caller;
import com.comfyjobs.usage.UsageService;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;

/** GET /usage?from=&to=&user=: jobs and GPU seconds per UTC day, the caller's own or (an admin's query) any user's. */
public class GetUsageHandler extends ApiHandler {
    @Inject
    UsageService service;

    public GetUsageHandler() {
        super();
    }

    public GetUsageHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        return HttpResponses.json(200, UsageJson.report(service.report(caller, HttpRequests.queryParameter(event, "user"),
                HttpRequests.queryParameter(event, "from"), HttpRequests.queryParameter(event, "to"))));
    }
}
