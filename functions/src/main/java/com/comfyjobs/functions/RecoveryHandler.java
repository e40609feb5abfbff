package com.comfyjobs.functions;

import com.comfyjobs.functions.wiring.CurrentInvocation;
import com.comfyjobs.job.StateStoreErrorException;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.service.JobObserver;
import com.comfyjobs.service.RecoveryService;
import com.comfyjobs.service.RecoverySummary;
import io.micronaut.context.ApplicationContext;
import com.comfyjobs.functions.wiring.LazyHandler;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * The scheduled reconciler (EventBridge Scheduler, every minute). Its input is {} for the regular
 * run, or {"action": "cleanup", "olderThan": "PT1H"} to fail orphans now. It stops well before the
 * Lambda's remaining time runs out and returns the run's summary.
 */
public class RecoveryHandler extends LazyHandler<Map<String, Object>, Map<String, Object>> {
    /** Time kept back for the last calls in flight, the summary and the metrics flush. */
    static final Duration SAFETY_MARGIN = Duration.ofSeconds(10);
    static final Duration WITHOUT_LAMBDA_CONTEXT = Duration.ofSeconds(50);

    @Inject
    RecoveryService service;

    @Inject
    JobObserver observer;

    @Inject
    CurrentInvocation invocation;

    public RecoveryHandler() {
        super();
    }

    public RecoveryHandler(ApplicationContext context) {
        super(context);
    }

    @Override
    public Map<String, Object> execute(Map<String, Object> input) {
        JsonLog.request("recovery-" + Instant.now().toEpochMilli());
        try {
            Instant deadline = Instant.now().plus(budget());
            Object action = input == null ? null : input.get("action");
            RecoverySummary summary;
            if (action == null || "recover".equals(action)) {
                summary = service.run(deadline);
            } else if ("cleanup".equals(action)) {
                summary = service.cleanup(deadline, olderThan(input.get("olderThan")));
            } else {
                throw new IllegalArgumentException("unknown action '" + action + "'; use \"cleanup\" or leave it out");
            }
            return summary.toMap();
        } catch (StateStoreErrorException e) {
            observer.stateStoreError();
            throw e;
        } finally {
            observer.flush();
            JsonLog.clear();
        }
    }

    private Duration budget() {
        Duration remaining = invocation.context()
                .map(c -> Duration.ofMillis(c.getRemainingTimeInMillis()))
                .orElse(WITHOUT_LAMBDA_CONTEXT);
        Duration b = remaining.minus(SAFETY_MARGIN);
        return b.isNegative() ? Duration.ZERO : b;
    }

    private static Duration olderThan(Object value) {
        if (!(value instanceof String s)) {
            throw new IllegalArgumentException("cleanup needs \"olderThan\" as an ISO-8601 duration such as \"PT1H\"");
        }
        try {
            Duration d = Duration.parse(s);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("olderThan must be positive");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("olderThan must be an ISO-8601 duration such as \"PT1H\", was '" + s + "'");
        }
    }
}
