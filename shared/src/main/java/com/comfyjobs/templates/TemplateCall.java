package com.comfyjobs.templates;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a job request asks of a template: its name, a version (null: the latest) and the params as
 * sent (null: none).
 */
public record TemplateCall(String name, Integer version, ObjectNode params) {
    public TemplateCall {
        if (!TemplateNames.isValid(name)) {
            throw new IllegalArgumentException("not a template name");
        }
        if (version != null && version < 1) {
            throw new IllegalArgumentException("versions start at 1");
        }
    }
}
