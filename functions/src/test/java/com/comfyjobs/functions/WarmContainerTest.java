package com.comfyjobs.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.comfyjobs.config.Env;
import com.comfyjobs.functions.wiring.CurrentInvocation;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.memory.InMemoryJobStore;
import com.comfyjobs.servers.LocalLambdaContext;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A warm container answers request after request with the same handler and application context;
 * nothing may pile up in the context per invocation (Micronaut's default Lambda context factory
 * registers new singletons on every call).
 */
class WarmContainerTest {
    @Test
    void invocationsDoNotAccumulateBeansInTheContext() {
        try (ApplicationContext ctx = ApplicationContext.builder().singletons(new Env(Map.of("METRICS_ENABLED", "false",
                "ARTIFACT_BUCKET", "warm-bucket", "S3_ENDPOINT", "http://127.0.0.1:9", "AWS_REGION", "us-east-1")), new InMemoryJobStore()).start()) {
            GetJobHandler handler = new GetJobHandler(ctx);
            var jwt = APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT.builder().withClaims(Map.of("sub", "u")).build();
            APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder().withPathParameters(Map.of("jobId", "00000000-0000-4000-8000-000000000000"))
                    .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                            .withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder().withJwt(jwt).build()).build())
                    .build();
            for (int i = 0; i < 500; i++) {
                LocalLambdaContext lambda = new LocalLambdaContext("GetJobFunction", Duration.ofSeconds(5), 1024);
                assertEquals(404, handler.handleRequest(event, lambda).getStatusCode());
                assertEquals(lambda, ctx.getBean(CurrentInvocation.class).context().orElseThrow(), "the invocation's own context is at hand");
            }
            assertTrue(ctx.getBeansOfType(Context.class).isEmpty(), "Lambda contexts registered as beans");
            assertTrue(ctx.getBeansOfType(LambdaLogger.class).isEmpty(), "Lambda loggers registered as beans");
            assertEquals(1, ctx.getBeansOfType(JobStore.class).size());
        }
    }
}
