package com.comfyjobs.templates;

import java.util.List;
import java.util.Optional;

/**
 * Where templates are kept, versioned: every publish of a new body is the next version (1, 2, ...),
 * and every version stays readable, so a job keeps the graph it was bound from. A retired template is
 * invisible to reads and new jobs until it is published again, which makes the next version. Names
 * reach the store checked ({@link TemplateNames}).
 */
public interface TemplateStore {
    /**
     * Makes {@code body} the template's next version, unless the template (not retired) has a body of
     * this {@code sha256} as its latest version already: then it answers that version, unchanged.
     * {@code opId} is random per request: a call with the op id of the publish that made the latest
     * version is that publish again (a reply lost and the request sent again) and answers it as it
     * was made.
     */
    PublishResult publish(String name, String body, String sha256, String opId);

    /** The latest version of a template that is published and not retired. */
    Optional<StoredTemplate> latest(String name);

    /** One version of a template that is published and not retired. */
    Optional<StoredTemplate> version(String name, int version);

    /** The latest version of every template not retired, in no particular order. */
    List<StoredTemplate> list();

    /** Retires the template; false when it was never published. Retiring a retired template changes nothing. */
    boolean retire(String name);
}
