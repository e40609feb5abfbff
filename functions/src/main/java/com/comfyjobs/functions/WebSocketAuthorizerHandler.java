package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponseV1;
import com.comfyjobs.auth.JwtVerifier;
import com.comfyjobs.auth.TokenRefusedException;
import com.comfyjobs.functions.wiring.LazyHandler;
import com.comfyjobs.observability.JsonLog;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;

/**
 * The WebSocket API's REQUEST authorizer on $connect. Browsers cannot set headers on a WebSocket, so
 * the JWT comes in the {@code token} query parameter; it is verified as the HTTP API's authorizer
 * verifies it ({@link JwtVerifier}). A verified caller is allowed to connect, with its user id in the
 * context every route of the connection sees ({@value #USER_ID}); any other token is denied (API
 * Gateway answers 403 and opens nothing). When the issuer's keys cannot be read the authorizer fails,
 * and API Gateway answers 500: an outage, not a verdict on the caller.
 */
public class WebSocketAuthorizerHandler extends LazyHandler<APIGatewayCustomAuthorizerEvent, IamPolicyResponseV1> {
    /** The authorizer context's key for the caller. */
    public static final String USER_ID = "userId";

    @Inject
    JwtVerifier verifier;

    public WebSocketAuthorizerHandler() {
        super();
    }

    public WebSocketAuthorizerHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    public IamPolicyResponseV1 execute(APIGatewayCustomAuthorizerEvent event) {
        Map<String, String> query = event.getQueryStringParameters();
        String token = query == null ? null : query.get("token");
        try {
            String user = verifier.userOf(token);
            return policy(user, IamPolicyResponseV1.ALLOW, event.getMethodArn(), Map.of(USER_ID, user));
        } catch (TokenRefusedException e) {
            JsonLog.warn("WebSocket connection refused", "reason", e.getMessage());
            return policy("anonymous", IamPolicyResponseV1.DENY, event.getMethodArn(), Map.of());
        } finally {
            JsonLog.clear();
        }
    }

    private static IamPolicyResponseV1 policy(String principal, String effect, String methodArn, Map<String, Object> context) {
        IamPolicyResponseV1.Statement statement = IamPolicyResponseV1.Statement.builder().withAction(IamPolicyResponseV1.EXECUTE_API_INVOKE)
                .withEffect(effect).withResource(List.of(methodArn == null ? "*" : methodArn)).build();
        return IamPolicyResponseV1.builder().withPrincipalId(principal).withContext(context)
                .withPolicyDocument(IamPolicyResponseV1.PolicyDocument.builder().withVersion(IamPolicyResponseV1.VERSION_2012_10_17)
                        .withStatement(List.of(statement)).build())
                .build();
    }
}
