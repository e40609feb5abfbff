package com.comfyjobs.functions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.comfyjobs.functions.wiring.LazyHandler;
import com.comfyjobs.job.StateStoreErrorException;
import com.comfyjobs.job.StateStoreUnavailableException;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;

/**
 * What the WebSocket API's route handlers share: the request id in the log, and failures answered
 * without internals. API Gateway refuses a connection whose $connect answers anything but 2xx; a
 * $default answer's body is the message the client gets back (the route has a route response), so an
 * outage there is a message of the API's error shape.
 */
public abstract class WebSocketRouteHandler extends LazyHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> {
    @Inject
    JobObserver observer;

    protected WebSocketRouteHandler() {
        super();
    }

    protected WebSocketRouteHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    public final APIGatewayV2WebSocketResponse execute(APIGatewayV2WebSocketEvent event) {
        var context = event.getRequestContext();
        JsonLog.apiRequest(context == null ? null : context.getRequestId());
        try {
            if (context == null || context.getConnectionId() == null) {
                return answer(400, "{\"type\":\"error\",\"status\":400,\"detail\":\"not a WebSocket event\"}");
            }
            return handle(event, context.getConnectionId());
        } catch (StateStoreUnavailableException e) {
            JsonLog.error("state store unavailable", e);
            return answer(503, "{\"type\":\"error\",\"status\":503,\"detail\":\"job state is temporarily unreachable; retry shortly\"}");
        } catch (StateStoreErrorException e) {
            observer.stateStoreError();
            JsonLog.error("state store answered an error", e);
            return internalError();
        } catch (RuntimeException e) {
            JsonLog.error("unexpected failure", e);
            return internalError();
        } finally {
            observer.flush();
            JsonLog.clear();
        }
    }

    private static APIGatewayV2WebSocketResponse internalError() {
        return answer(500, "{\"type\":\"error\",\"status\":500,\"detail\":\"the message failed unexpectedly; it has been logged\"}");
    }

    protected static APIGatewayV2WebSocketResponse answer(int status, String body) {
        APIGatewayV2WebSocketResponse r = new APIGatewayV2WebSocketResponse();
        r.setStatusCode(status);
        r.setBody(body);
        return r;
    }

    protected abstract APIGatewayV2WebSocketResponse handle(APIGatewayV2WebSocketEvent event, String connectionId);
}
