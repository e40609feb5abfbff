package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.servers.LocalLambdaContext;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Main of a fresh JVM, as Lambda starts one: builds the handler named in args[0] with its default
 * constructor (configuration from the environment only) and answers one event from an admin; prints
 * the answer. A template route names a template of its own, fresh-<handler>.
 */
public final class FreshContainer {
    private FreshContainer() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void main(String[] args) throws Exception {
        RequestHandler handler = (RequestHandler) Class.forName(args[0]).getConstructor().newInstance();
        Object input;
        if (args[1].equals("schedule")) {
            input = Map.of();
        } else {
            var jwt = APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT.builder()
                    .withClaims(Map.of("sub", "fresh-user", "scope", "comfyjobs:admin")).build();
            String template = "fresh-" + handler.getClass().getSimpleName().toLowerCase(Locale.ROOT);
            input = APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRouteKey(args[1]).withBody(args.length > 2 ? args[2] : null)
                    .withHeaders(Map.of("content-type", "application/json"))
                    .withPathParameters(Map.of("jobId", "00000000-0000-4000-8000-000000000000", "name", template))
                    .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder().withRequestId("fresh")
                            .withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder().withJwt(jwt).build()).build())
                    .build();
        }
        Object answer = handler.handleRequest(input, new LocalLambdaContext("fresh", Duration.ofSeconds(30), 1024));
        System.out.println("ANSWER " + (answer instanceof APIGatewayV2HTTPResponse r ? r.getStatusCode() : answer));
        System.exit(0);
    }
}
