package com.comfyjobs.templates;

/** A PUT's answer: the version that holds the body now, and whether this request made it. */
public record PublishedTemplate(Template template, PublishResult.Outcome outcome) {
    public boolean created() {
        return outcome == PublishResult.Outcome.PUBLISHED;
    }
}
