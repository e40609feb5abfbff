package com.comfyjobs.templates;

/**
 * How a publish went: the template got a new version, or it has this body as its latest version
 * already (and is not retired), which then answers. Either way {@code version} is the one that holds
 * the body now.
 */
public record PublishResult(Outcome outcome, int version) {
    public enum Outcome {
        PUBLISHED,
        UNCHANGED
    }

    public boolean published() {
        return outcome == Outcome.PUBLISHED;
    }
}
