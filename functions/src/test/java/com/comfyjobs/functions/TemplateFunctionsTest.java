package com.comfyjobs.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.config.Env;
import com.comfyjobs.job.memory.InMemoryJobStore;
import com.comfyjobs.servers.LocalLambdaContext;
import com.comfyjobs.templates.memory.InMemoryTemplateStore;
import com.comfyjobs.testing.ShippedTemplates;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The template functions as wired in a container: reading templates builds no ComfyUI pool (only a
 * publish asks ComfyUI for its node classes), and the admin claim decides who publishes.
 */
class TemplateFunctionsTest {
    private static APIGatewayV2HTTPEvent event(String name, String body, boolean admin) {
        Map<String, String> claims = new HashMap<>(Map.of("sub", "u"));
        if (admin) {
            claims.put("scope", "openid comfyjobs:admin");
        }
        var jwt = APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT.builder().withClaims(claims).build();
        return APIGatewayV2HTTPEvent.builder().withBody(body).withPathParameters(name == null ? null : Map.of("name", name))
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder().withJwt(jwt).build()).build())
                .build();
    }

    private static LocalLambdaContext lambda() {
        return new LocalLambdaContext("TemplateFunction", Duration.ofSeconds(5), 1024);
    }

    @Test
    void readingBuildsNoComfyUiPoolAndOnlyAnAdminPublishes() {
        try (ApplicationContext ctx = ApplicationContext.builder().singletons(new Env(Map.of("METRICS_ENABLED", "false",
                "COMFYUI_URLS", "http://127.0.0.1:9", "COMFYUI_HEALTH_TIMEOUT_MS", "200")), new InMemoryJobStore(),
                new InMemoryTemplateStore()).start()) {
            assertEquals(200, new ListTemplatesHandler(ctx).handleRequest(event(null, null, false), lambda()).getStatusCode());
            assertEquals(404, new GetTemplateHandler(ctx).handleRequest(event("txt2img", null, false), lambda()).getStatusCode());
            assertTrue(ctx.getActiveBeanRegistrations(ComfyUiPool.class).isEmpty(), "a read built the ComfyUI pool");

            String body = ShippedTemplates.body("txt2img");
            assertEquals(403, new PublishTemplateHandler(ctx).handleRequest(event("txt2img", body, false), lambda()).getStatusCode());
            assertEquals(201, new PublishTemplateHandler(ctx).handleRequest(event("txt2img", body, true), lambda()).getStatusCode());
            assertFalse(ctx.getActiveBeanRegistrations(ComfyUiPool.class).isEmpty(), "the publish asked ComfyUI for its node classes");
            assertEquals(200, new GetTemplateHandler(ctx).handleRequest(event("txt2img", null, false), lambda()).getStatusCode());
            assertEquals(403, new RetireTemplateHandler(ctx).handleRequest(event("txt2img", null, false), lambda()).getStatusCode());
            assertEquals(204, new RetireTemplateHandler(ctx).handleRequest(event("txt2img", null, true), lambda()).getStatusCode());
        }
    }
}
