package com.comfyjobs.functions;

import com.comfyjobs.functions.wiring.CurrentInvocation;
import com.comfyjobs.functions.wiring.LazyHandler;
import com.comfyjobs.job.MigrationResult;
import com.comfyjobs.job.StateStoreErrorException;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.JsonLog;
import com.comfyjobs.recovery.RecoveryService;
import io.micronaut.context.ApplicationContext;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * The scheduled reconciler (EventBridge Scheduler, every minute). Its input is {} for the regular
 * run, {"action": "cleanup", "olderThan": "PT1H"} to fail orphans now, or {"action": "migrate"} to
 * move stored data to the key layout this version writes (after a deploy that changed it). It stops
 * well before the Lambda's remaining time runs out and returns what it did.
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
        try {
            Instant deadline = Instant.now().plus(budget());
            Object action = input == null ? null : input.get("action");
            if (action == null || "recover".equals(action)) {
                return service.run(deadline).toMap();
            }
            if ("cleanup".equals(action)) {
                return service.cleanup(deadline, olderThan(input.get("olderThan"))).toMap();
            }
            if ("migrate".equals(action)) {
                MigrationResult r = service.migrate(deadline);
                return Map.of("complete", r.complete(), "keysMoved", r.keysMoved(), "detail", r.detail());
            }
            throw new IllegalArgumentException("unknown action '" + action + "'; use \"cleanup\", \"migrate\" or leave it out");
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
