package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.comfyjobs.functions.http.WebSocketRouteHandler;
import com.comfyjobs.live.LiveService;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;

/**
 * The WebSocket API's $default: subscribe and unsubscribe messages ({@link LiveService}); the answer
 * is the message the client gets back on its connection.
 */
public class WebSocketSubscriptionsHandler extends WebSocketRouteHandler {
    @Inject
    LiveService service;

    public WebSocketSubscriptionsHandler() {
        super();
    }

    public WebSocketSubscriptionsHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2WebSocketResponse handle(APIGatewayV2WebSocketEvent event, String connectionId) {
        String body = event.getBody();
        if (event.isIsBase64Encoded()) {
            return answer(200, "{\"type\":\"error\",\"status\":400,\"detail\":\"send text messages\"}");
        }
        return answer(200, service.receive(connectionId, body));
    }
}
