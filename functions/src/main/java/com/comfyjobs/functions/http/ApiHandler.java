package com.comfyjobs.functions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.artifacts.ArtifactStoreUnavailableException;
import com.comfyjobs.functions.wiring.LazyHandler;
import com.comfyjobs.job.Caller;
import com.comfyjobs.job.StateStoreErrorException;
import com.comfyjobs.job.StateStoreUnavailableException;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.secrets.SecretUnavailableException;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;

/**
 * What every HTTP handler shares: the caller's identity (401 without one), problem+json for refused
 * requests (the services' domain errors, mapped in {@link Problems}), 503 with Retry-After when the state store or the
 * artifact bucket is down or a secret the request needs cannot be read (Secrets Manager out of reach with no value read
 * before), and a generic 500 that shows no
 * internals for anything unexpected (logged with the request id), an error answer of the state
 * store included (also counted as StateStoreErrors).
 */
public abstract class ApiHandler extends LazyHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    static final long RETRY_AFTER_OUTAGE_SECONDS = 5;

    @Inject
    CallerIdentity identity;

    @Inject
    JobObserver observer;

    protected ApiHandler() {
        super();
    }

    protected ApiHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    public final APIGatewayV2HTTPResponse execute(APIGatewayV2HTTPEvent event) {
        JsonLog.apiRequest(HttpRequests.requestId(event));
        try {
            Caller caller = null;
            if (requiresCaller()) {
                caller = identity.callerOf(event).orElse(null);
                if (caller == null) {
                    return HttpResponses.problem(401, "Unauthorized", "the request carries no verified caller identity", null,
                            Map.of("WWW-Authenticate", "Bearer"));
                }
            }
            return handle(event, caller);
        } catch (StateStoreUnavailableException e) {
            JsonLog.error("state store unavailable", e);
            return HttpResponses.problem(503, "Service unavailable", "job state is temporarily unreachable; retry shortly",
                    null, Map.of("Retry-After", Long.toString(RETRY_AFTER_OUTAGE_SECONDS)));
        } catch (SecretUnavailableException e) {
            JsonLog.error("secret unavailable", e);
            return HttpResponses.problem(503, "Service unavailable", "a secret the service needs is temporarily unreadable; retry shortly",
                    null, Map.of("Retry-After", Long.toString(RETRY_AFTER_OUTAGE_SECONDS)));
        } catch (ArtifactStoreUnavailableException e) {
            JsonLog.error("artifact store unavailable", e);
            return HttpResponses.problem(503, "Service unavailable", "file storage is temporarily unreachable; retry shortly",
                    null, Map.of("Retry-After", Long.toString(RETRY_AFTER_OUTAGE_SECONDS)));
        } catch (StateStoreErrorException e) {
            observer.stateStoreError();
            JsonLog.error("state store answered an error", e);
            return internalError();
        } catch (RuntimeException e) {
            Optional<ApiProblem> refused = Problems.of(e);
            if (refused.isPresent()) {
                return HttpResponses.problem(refused.get());
            }
            JsonLog.error("unexpected failure", e);
            return internalError();
        } finally {
            observer.flush();
            JsonLog.clear();
        }
    }

    /**
     * Answers a synthetic request of {@link PrimingRequests#USER} on {@code route} through the whole of
     * {@link #execute}, identity included: for {@link #prime()}, with a request that ends in a read.
     */
    protected final APIGatewayV2HTTPResponse primeWith(String route, String path, Map<String, String> pathParameters, String body,
                                                       Map<String, String> headers) {
        return execute(PrimingRequests.request(identity, route, path, pathParameters, body, headers));
    }

    private static APIGatewayV2HTTPResponse internalError() {
        return HttpResponses.problem(500, "Internal error", "the request failed unexpectedly; it has been logged", null, Map.of());
    }

    /** Routes behind the JWT authorizer need a caller; the webhook route authenticates by signature. */
    protected boolean requiresCaller() {
        return true;
    }

    /** @param caller who calls; null only where {@link #requiresCaller()} is false */
    protected abstract APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Caller caller);
}
