package com.comfyjobs.observability;

import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;

/**
 * Where EMF records go: one JSON line each on the given stream (stdout in Lambda, where CloudWatch
 * Logs extracts the metrics). Fixed instead of probed: the library's probing of EC2 and ECS metadata
 * endpoints would stall cold starts and tests.
 */
final class EmfEnvironment implements Environment {
    private final String serviceName;
    private final PrintStream out;

    EmfEnvironment(String serviceName, PrintStream out) {
        this.serviceName = serviceName;
        this.out = out;
    }

    @Override
    public boolean probe() {
        return true;
    }

    @Override
    public String getName() {
        return serviceName;
    }

    @Override
    public String getType() {
        return "AWS::Lambda::Function";
    }

    @Override
    public String getLogGroupName() {
        return serviceName;
    }

    @Override
    public void configureContext(MetricsContext context) {
        // Dimensions are set by the observer; nothing to add from the environment.
    }

    @Override
    public ISink getSink() {
        return new ISink() {
            @Override
            public void accept(MetricsContext context) {
                try {
                    for (String line : context.serialize()) {
                        synchronized (out) {
                            out.println(line);
                        }
                    }
                } catch (Exception e) {
                    JsonLog.warn("EMF record could not be written", "reason", e.getMessage());
                }
            }

            @Override
            public CompletableFuture<Void> shutdown() {
                return CompletableFuture.completedFuture(null);
            }
        };
    }
}
