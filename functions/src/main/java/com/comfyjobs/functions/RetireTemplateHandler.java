package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.HttpRequests;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.job.Caller;
import com.comfyjobs.templates.TemplateService;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;

/** DELETE /templates/{name} (admins): 204; the template is no longer listed or usable for new jobs. */
public class RetireTemplateHandler extends ApiHandler {
    @Inject
    TemplateService service;

    public RetireTemplateHandler() {
        super();
    }

    public RetireTemplateHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        service.retire(caller, HttpRequests.pathParameter(event, "name"));
        return HttpResponses.noContent();
    }
}
