package com.comfyjobs.functions.wiring;

import com.amazonaws.services.lambda.runtime.Context;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.function.aws.DefaultLambdaContextFactory;
import io.micronaut.function.aws.LambdaContextFactory;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * The Lambda context of the invocation on this thread. Replaces Micronaut's default factory, which
 * registers the context (and its logger, client context and identity) as new singletons on every
 * invocation: a warm container then accumulates bean definitions without end, and each registration
 * scans all earlier ones, so every request gets slower than the last (seen here: a few microseconds
 * at first, seconds after twenty thousand requests).
 */
@Singleton
@Replaces(DefaultLambdaContextFactory.class)
public final class CurrentInvocation implements LambdaContextFactory {
    private final ThreadLocal<Context> current = new ThreadLocal<>();

    @Override
    public void registerSingletons(Context context) {
        current.set(context);
    }

    public Optional<Context> context() {
        return Optional.ofNullable(current.get());
    }
}
