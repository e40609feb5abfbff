package com.comfyjobs.functions.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.comfyjobs.templates.FieldError;
import com.comfyjobs.templates.TemplateRefusedException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the template refusals answer: status, a stable title, and each problem of the body under errors. */
class ProblemsTest {
    private static ApiProblem of(TemplateRefusedException.Reason reason, List<FieldError> errors) {
        return Problems.of(new TemplateRefusedException(reason, "detail", errors)).orElseThrow();
    }

    @Test
    void eachTemplateRefusalHasItsStatusAndTitle() {
        assertEquals(List.of(400, 400, 400, 400, 400, 404, 403, 413),
                java.util.Arrays.stream(TemplateRefusedException.Reason.values()).map(r -> of(r, List.of()).status()).toList());
        assertEquals("Invalid params", of(TemplateRefusedException.Reason.INVALID_PARAMS, List.of()).title());
        assertEquals("Template limit exceeded", of(TemplateRefusedException.Reason.LIMIT_EXCEEDED, List.of()).title());
        assertEquals("Unknown template", of(TemplateRefusedException.Reason.UNKNOWN_TEMPLATE, List.of()).title());
    }

    @Test
    void theProblemsOfABodyAreListedWithTheirPointers() {
        ApiProblem p = of(TemplateRefusedException.Reason.INVALID_PARAMS,
                List.of(new FieldError("/params/width", "string found, integer expected"), new FieldError("/params/prompt", "is required")));
        assertEquals("[{\"pointer\":\"/params/width\",\"message\":\"string found, integer expected\"},"
                + "{\"pointer\":\"/params/prompt\",\"message\":\"is required\"}]", p.extensions().get("errors").toString());
        assertNull(of(TemplateRefusedException.Reason.NOT_FOUND, List.of()).extensions());
    }
}
