package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.functions.http.ApiHandler;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.inputs.NewUpload;
import com.comfyjobs.inputs.UploadService;
import com.comfyjobs.job.Caller;
import com.comfyjobs.query.JobJson;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;

/** POST /uploads: 201 with an upload id for {@code {"upload": id}} and a presigned URL to PUT the image to. */
public class CreateUploadHandler extends ApiHandler {
    @Inject
    UploadService service;

    public CreateUploadHandler() {
        super();
    }

    public CreateUploadHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller) {
        NewUpload upload = service.create(caller);
        return HttpResponses.json(201, HttpResponses.object().put("upload", upload.upload()).put("url", upload.url())
                .put("expiresAt", JobJson.timestamp(upload.expiresAt())));
    }
}
