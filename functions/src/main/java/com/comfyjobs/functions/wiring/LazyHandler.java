package com.comfyjobs.functions.wiring;

import com.comfyjobs.config.Env;
import com.comfyjobs.config.JobStoreType;
import com.comfyjobs.observability.LogLevels;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.function.aws.MicronautRequestHandler;

/**
 * The base of every handler. micronaut-function-aws builds a Lambda's application context with all
 * singletons created eagerly: every function would then build every service at init, the submit
 * function reading the webhook secret it has no permission for. Here each function builds only what
 * its handler injects (still at init, so before a SnapStart snapshot).
 */
public abstract class LazyHandler<I, O> extends MicronautRequestHandler<I, O> {
    /** Lambda's constructor; the handler's {@link #prime()} runs before a SnapStart snapshot is taken. */
    protected LazyHandler() {
        super();
        SnapStartHooks.register(this);
    }

    protected LazyHandler(ApplicationContext context) {
        super(context);
    }

    /**
     * Runs this handler's own request path on synthetic requests before a SnapStart snapshot, so the
     * classes a first request needs are loaded and its code compiled in every restored copy. It must
     * write nothing (no Redis key, no S3 object), call no ComfyUI and touch no real job; it runs once
     * Redis has answered, and its failure only costs the warm-up. Nothing by default.
     */
    protected void prime() {
    }

    /**
     * What micronaut-function-aws's Lambda builder sets, minus eager singletons (its builder can only
     * switch them on, so it is not used) and minus eager configuration: no bean here reads a
     * configuration-properties bean, and building them all at start loaded Micronaut's HTTP and SSL
     * configuration classes into every function. Only the default constructor, the one Lambda calls,
     * comes here: before anything is built, a JOB_STORE_TYPE other than redis stops the function at
     * init, whatever its handler injects (the upload function, for one, never builds a store).
     * So does a log level variable that does not parse (logging itself falls back to its defaults).
     */
    @Override
    protected ApplicationContextBuilder newApplicationContextBuilder() {
        JobStoreType.requireRedis(Env.system(), "a Lambda function");
        LogLevels.fromEnv(Env.system());
        return ApplicationContext.builder().environments("function", "lambda");
    }
}
