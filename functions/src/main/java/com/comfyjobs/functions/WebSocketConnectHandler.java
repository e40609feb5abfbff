package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.comfyjobs.functions.http.WebSocketRouteHandler;
import com.comfyjobs.live.LiveService;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;
import java.util.Map;

/**
 * The WebSocket API's $connect, behind the JWT authorizer ({@link WebSocketAuthorizerHandler}): the
 * connection is recorded with the user the authorizer named (its context's {@code userId}), never one
 * the client says. 401 refuses a connection that reaches here without one.
 */
public class WebSocketConnectHandler extends WebSocketRouteHandler {
    @Inject
    LiveService service;

    public WebSocketConnectHandler() {
        super();
    }

    public WebSocketConnectHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2WebSocketResponse handle(APIGatewayV2WebSocketEvent event, String connectionId) {
        Map<String, Object> authorizer = event.getRequestContext().getAuthorizer();
        Object user = authorizer == null ? null : authorizer.get(WebSocketAuthorizerHandler.USER_ID);
        if (!(user instanceof String u) || u.isBlank()) {
            return answer(401, null);
        }
        service.connect(connectionId, u);
        return answer(200, null);
    }
}
