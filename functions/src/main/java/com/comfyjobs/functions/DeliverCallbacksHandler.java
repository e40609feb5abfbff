package com.comfyjobs.functions;

import com.comfyjobs.callbacks.CallbackDrainer;
import com.comfyjobs.functions.wiring.CurrentInvocation;
import com.comfyjobs.functions.wiring.LazyHandler;
import com.comfyjobs.job.StateStoreErrorException;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The callbacks' schedule (EventBridge Scheduler, every minute): sends the callbacks that are due, the
 * retries and the first tries no function made, until shortly before the Lambda's time runs out or
 * until nothing waits anywhere (see {@link CallbackDrainer}), and returns what it did.
 */
public class DeliverCallbacksHandler extends LazyHandler<Map<String, Object>, Map<String, Object>> {
    /** Time kept back for the summary and the metrics flush; the drainer keeps its own margin for the sends in flight. */
    static final Duration SAFETY_MARGIN = Duration.ofSeconds(5);
    static final Duration WITHOUT_LAMBDA_CONTEXT = Duration.ofSeconds(55);

    @Inject
    CallbackDrainer drainer;

    @Inject
    JobObserver observer;

    @Inject
    CurrentInvocation invocation;

    public DeliverCallbacksHandler() {
        super();
    }

    public DeliverCallbacksHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    public Map<String, Object> execute(Map<String, Object> input) {
        try {
            Duration remaining = invocation.context().map(c -> Duration.ofMillis(c.getRemainingTimeInMillis())).orElse(WITHOUT_LAMBDA_CONTEXT);
            return drainer.drain(Instant.now().plus(remaining.minus(SAFETY_MARGIN))).toMap();
        } catch (StateStoreErrorException e) {
            observer.stateStoreError();
            throw e;
        } finally {
            observer.flush();
            JsonLog.clear();
        }
    }
}
