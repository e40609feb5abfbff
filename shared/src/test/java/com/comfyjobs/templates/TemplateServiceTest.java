package com.comfyjobs.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.job.Caller;
import com.comfyjobs.testing.ServiceHarness;
import com.comfyjobs.testing.ShippedTemplates;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Publishing, reading and retiring templates, with the simulator's /object_info as the node catalog. */
class TemplateServiceTest {
    private static final Caller ADMIN = Caller.admin("ops");
    private static final Caller USER = Caller.user("alice");
    private ServiceHarness h;

    @BeforeEach
    void start() {
        h = ServiceHarness.start();
    }

    @AfterEach
    void stop() {
        h.close();
    }

    private static byte[] bytes(Object body) {
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private TemplateRefusedException refused(TemplateRefusedException.Reason reason, Executable call) {
        TemplateRefusedException e = assertThrows(TemplateRefusedException.class, call);
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    @Test
    void theShippedTemplatesPublishAsVersionOneAndAgainAsTheSame() {
        for (String name : List.of("txt2img", "img2img")) {
            PublishedTemplate first = h.templates.publish(ADMIN, name, bytes(ShippedTemplates.body(name)));
            assertTrue(first.created());
            assertEquals(1, first.template().version());
            PublishedTemplate again = h.templates.publish(ADMIN, name, bytes(ShippedTemplates.body(name)));
            assertFalse(again.created());
            assertEquals(1, again.template().version());
        }
        assertEquals(List.of("img2img", "txt2img"), h.templates.list().stream().map(Template::name).toList());
    }

    @Test
    void onlyAdminsPublishAndRetireAndARefusalChangesNothing() {
        refused(TemplateRefusedException.Reason.NOT_ADMIN, () -> h.templates.publish(USER, "txt2img", bytes(ShippedTemplates.body("txt2img"))));
        assertTrue(h.templateStore.list().isEmpty());
        h.publish("txt2img", ShippedTemplates.body("txt2img"));
        refused(TemplateRefusedException.Reason.NOT_ADMIN, () -> h.templates.retire(USER, "txt2img"));
        assertEquals(1, h.templates.get("txt2img").version());
    }

    @Test
    void aNodeClassOrInputComfyUiDoesNotHaveIsRefusedAtItsPointer() {
        ObjectNode body = TemplateDefinitionTest.txt2img();
        ((ObjectNode) body.get("workflow").get("8")).put("class_type", "VAEDecodeTiled");
        ((ObjectNode) body.get("workflow").get("3").get("inputs")).put("noise_offset", 0.1);
        TemplateRefusedException e = refused(TemplateRefusedException.Reason.INVALID_TEMPLATE, () -> h.templates.publish(ADMIN, "t", bytes(body)));
        assertEquals(List.of("/workflow/3/inputs/noise_offset", "/workflow/8/class_type"),
                e.errors().stream().map(FieldError::pointer).sorted().toList());
        assertFalse(e.getMessage().contains(h.sim.baseUrl()), "the server's address stays inside");
        assertTrue(h.templateStore.list().isEmpty());
    }

    @Test
    void withNoComfyUiAnsweringTheGraphIsPublishedUnchecked() {
        h.sim.faults().stopListening();
        ObjectNode body = TemplateDefinitionTest.txt2img();
        ((ObjectNode) body.get("workflow").get("8")).put("class_type", "VAEDecodeTiled");
        assertTrue(h.templates.publish(ADMIN, "t", bytes(body)).created());
    }

    @Test
    void malformedBodiesAndNamesAreRefusedWithNothingStored() {
        refused(TemplateRefusedException.Reason.INVALID_TEMPLATE, () -> h.templates.publish(ADMIN, "t", "{".getBytes(StandardCharsets.UTF_8)));
        refused(TemplateRefusedException.Reason.INVALID_TEMPLATE, () -> h.templates.publish(ADMIN, "t", new byte[0]));
        refused(TemplateRefusedException.Reason.INVALID_TEMPLATE,
                () -> h.templates.publish(ADMIN, "t", bytes("{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}")));
        refused(TemplateRefusedException.Reason.INVALID_TEMPLATE,
                () -> h.templates.publish(ADMIN, "t", bytes("{\"description\": \"a\", \"description\": \"b\"}")));
        refused(TemplateRefusedException.Reason.TOO_LARGE,
                () -> h.templates.publish(ADMIN, "t", new byte[TemplateService.MAX_TEMPLATE_BYTES + 1]));
        for (String name : List.of("TXT2IMG", "../x", "", "a".repeat(65), "-x", "x%2F", "a b", "a{b}", "\u00e9")) {
            refused(TemplateRefusedException.Reason.INVALID_NAME,
                    () -> h.templates.publish(ADMIN, name, bytes(ShippedTemplates.body("txt2img"))));
            refused(TemplateRefusedException.Reason.INVALID_NAME, () -> h.templates.get(name));
            refused(TemplateRefusedException.Reason.INVALID_NAME, () -> h.templates.retire(ADMIN, name));
        }
        assertTrue(h.templateStore.list().isEmpty());
    }

    @Test
    void aRetiredTemplateIsGoneUntilPublishedAgainAsTheNextVersion() {
        h.publish("txt2img", ShippedTemplates.body("txt2img"));
        h.templates.retire(ADMIN, "txt2img");
        refused(TemplateRefusedException.Reason.NOT_FOUND, () -> h.templates.get("txt2img"));
        assertTrue(h.templates.list().isEmpty());
        h.templates.retire(ADMIN, "txt2img");
        refused(TemplateRefusedException.Reason.NOT_FOUND, () -> h.templates.retire(ADMIN, "never-published"));
        PublishedTemplate again = h.publish("txt2img", ShippedTemplates.body("txt2img"));
        assertTrue(again.created());
        assertEquals(2, h.templates.get("txt2img").version());
    }

    @Test
    void anotherContainersChangeIsSeenWithinTheCacheTimeAndThisContainersAtOnce() {
        h.publish("txt2img", ShippedTemplates.body("txt2img"));
        assertEquals(1, h.templates.get("txt2img").version());
        TemplateService otherContainer = new TemplateService(h.templateStore, () -> h.pool, new TemplateSettings(Duration.ofSeconds(30)), h.clock);
        assertEquals(1, otherContainer.get("txt2img").version());
        ObjectNode changed = TemplateDefinitionTest.txt2img().put("description", "v2");
        otherContainer.publish(ADMIN, "txt2img", bytes(changed));
        assertEquals(2, otherContainer.get("txt2img").version(), "the publishing container sees it at once");
        assertEquals(1, h.templates.get("txt2img").version(), "cached here");
        h.clock.advance(Duration.ofSeconds(31));
        assertEquals(2, h.templates.get("txt2img").version());
        otherContainer.retire(ADMIN, "txt2img");
        refused(TemplateRefusedException.Reason.NOT_FOUND, () -> otherContainer.get("txt2img"));
        assertEquals(2, h.templates.get("txt2img").version(), "cached here");
        h.clock.advance(Duration.ofSeconds(31));
        refused(TemplateRefusedException.Reason.NOT_FOUND, () -> h.templates.get("txt2img"));
    }

    @Test
    void withTheCacheOffEveryReadGoesToTheStore() {
        TemplateService uncached = new TemplateService(h.templateStore, () -> h.pool, TemplateSettings.fromEnv(new Env(
                Map.of("TEMPLATE_CACHE_SECONDS", "0"))), h.clock);
        h.publish("txt2img", ShippedTemplates.body("txt2img"));
        assertEquals(1, uncached.get("txt2img").version());
        h.publish("txt2img", TemplateDefinitionTest.txt2img().put("description", "v2").toString());
        assertEquals(2, uncached.get("txt2img").version());
    }

    @Test
    void theCacheTimeIsBoundedAndNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TemplateSettings.fromEnv(new Env(Map.of("TEMPLATE_CACHE_SECONDS", "31"))));
        assertTrue(e.getMessage().contains("TEMPLATE_CACHE_SECONDS"), e.getMessage());
        assertEquals(Duration.ofSeconds(30), TemplateSettings.fromEnv(new Env(Map.of())).cacheFor());
    }
}
