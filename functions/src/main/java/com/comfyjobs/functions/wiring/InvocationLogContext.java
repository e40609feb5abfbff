package com.comfyjobs.functions.wiring;

import com.amazonaws.services.lambda.runtime.Context;
import com.comfyjobs.observability.JsonLog;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.function.aws.DefaultDiagnosticInfoPopulator;
import io.micronaut.function.aws.DiagnosticInfoPopulator;
import jakarta.inject.Singleton;

/**
 * Starts each invocation's log context: micronaut-function-aws calls this before every handler's
 * execute, so every line logged during the invocation, a library's included, carries the Lambda
 * request id (the one in the runtime's START, END and REPORT lines). Replaces Micronaut's populator,
 * which adds six AWS* fields (the function's name, ARN, memory, time left...) to every line and
 * never removes those of the previous invocation; each handler's finally clears ours.
 */
@Singleton
@Replaces(DefaultDiagnosticInfoPopulator.class)
public final class InvocationLogContext implements DiagnosticInfoPopulator {
    @Override
    public void populateMappingDiagnosticContextValues(Context context) {
        JsonLog.request(context.getAwsRequestId());
    }

    /** The X-Ray trace id is in the platform's REPORT line already; not repeated on every line. */
    @Override
    public void populateMappingDiagnosticContextWithXrayTraceId() {
    }
}
