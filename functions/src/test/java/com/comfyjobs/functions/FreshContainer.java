package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponseV1;
import com.comfyjobs.servers.LocalLambdaContext;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Main of a fresh JVM, as Lambda starts one: builds the handler named in args[0] with its default
 * constructor (configuration from the environment only) and answers one event from an admin; prints
 * the answer. A template route names a template of its own, fresh-<handler>. A WebSocket route
 * ({@code $connect}, {@code $default}, {@code $disconnect}) answers its status, and the status its
 * message body names after a slash; {@code authorize} is the WebSocket authorizer with a token that is
 * no JWT, answering the policy's effect. Prints the invocation's Lambda request id before it starts.
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
        } else if (args[1].equals("authorize")) {
            input = APIGatewayCustomAuthorizerEvent.builder().withType("REQUEST")
                    .withMethodArn("arn:aws:execute-api:us-east-1:123456789012:fresh/live/$connect")
                    .withQueryStringParameters(Map.of("token", "not-a-jwt")).build();
        } else if (args[1].startsWith("$")) {
            APIGatewayV2WebSocketEvent.RequestContext context = new APIGatewayV2WebSocketEvent.RequestContext();
            context.setConnectionId("fresh-connection");
            context.setRequestId("fresh");
            context.setEventType(args[1].substring(1).toUpperCase(Locale.ROOT));
            context.setAuthorizer(Map.of("principalId", "fresh-user", "userId", "fresh-user"));
            APIGatewayV2WebSocketEvent e = new APIGatewayV2WebSocketEvent();
            e.setRequestContext(context);
            e.setBody(args.length > 2 ? args[2] : null);
            input = e;
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
        LocalLambdaContext context = new LocalLambdaContext("fresh", Duration.ofSeconds(30), 1024);
        System.out.println("REQUEST " + context.getAwsRequestId());
        Object answer = handler.handleRequest(input, context);
        System.out.println("ANSWER " + (answer instanceof APIGatewayV2HTTPResponse r ? r.getStatusCode()
                : answer instanceof APIGatewayV2WebSocketResponse w ? w.getStatusCode() + (w.getBody() == null ? ""
                        : "/" + new com.fasterxml.jackson.databind.ObjectMapper().readTree(w.getBody()).path("status").asText())
                : answer instanceof IamPolicyResponseV1 p ? effect(p) : answer));
        System.exit(0);
    }

    /** The policy document as the runtime serializes it: Statement is a list of maps. */
    private static String effect(IamPolicyResponseV1 policy) {
        Object statements = policy.getPolicyDocument().get("Statement");
        Object first = statements instanceof Object[] a ? a[0] : ((List<?>) statements).get(0);
        return (String) ((Map<?, ?>) first).get("Effect");
    }
}
