package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.comfyjobs.functions.http.WebSocketRouteHandler;
import com.comfyjobs.live.LiveService;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;

/** The WebSocket API's $disconnect: the connection's listener registrations are taken back. */
public class WebSocketDisconnectHandler extends WebSocketRouteHandler {
    @Inject
    LiveService service;

    public WebSocketDisconnectHandler() {
        super();
    }

    public WebSocketDisconnectHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    protected APIGatewayV2WebSocketResponse handle(APIGatewayV2WebSocketEvent event, String connectionId) {
        service.disconnect(connectionId);
        return answer(200, null);
    }
}
