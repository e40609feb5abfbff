package com.comfyjobs.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import java.time.Instant;
import java.util.Map;

/** HttpApi payload 2.0 events as API Gateway builds them for the benchmarked routes. */
final class Events {
    private Events() {
    }

    static APIGatewayV2HTTPEvent get(String jobId, String user) {
        return event("GET", "/jobs/" + jobId, "GET /jobs/{jobId}", Map.of("jobId", jobId), null, user, Map.of());
    }

    static APIGatewayV2HTTPEvent submit(String body, String user) {
        return event("POST", "/jobs", "POST /jobs", null, body, user, Map.of("content-type", "application/json"));
    }

    static APIGatewayV2HTTPEvent event(String method, String path, String route, Map<String, String> params, String body, String user,
                                       Map<String, String> headers) {
        var jwt = APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT.builder().withClaims(Map.of("sub", user)).build();
        var ctx = APIGatewayV2HTTPEvent.RequestContext.builder()
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(method).withPath(path).build())
                .withRequestId("bench").withRouteKey(route).withTimeEpoch(Instant.now().toEpochMilli())
                .withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder().withJwt(jwt).build())
                .build();
        return APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRouteKey(route).withRawPath(path).withHeaders(headers)
                .withPathParameters(params).withBody(body).withIsBase64Encoded(false).withRequestContext(ctx).build();
    }
}
