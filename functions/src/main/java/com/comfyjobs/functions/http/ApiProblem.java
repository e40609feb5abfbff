package com.comfyjobs.functions.http;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An HTTP answer that is a problem: the status and the RFC 9457 fields to answer with. Handlers throw
 * it for what they refuse themselves (a body that is not base64); ApiHandler turns the services'
 * domain errors into these. {@code extensions} adds members to the problem (for example ComfyUI's
 * node_errors); {@code retryAfterSeconds} > 0 becomes a Retry-After header.
 */
public class ApiProblem extends RuntimeException {
    private final int status;
    private final String title;
    private final transient ObjectNode extensions;
    private final long retryAfterSeconds;

    public ApiProblem(int status, String title, String detail) {
        this(status, title, detail, null, 0);
    }

    public ApiProblem(int status, String title, String detail, ObjectNode extensions, long retryAfterSeconds) {
        super(detail);
        this.status = status;
        this.title = title;
        this.extensions = extensions;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return getMessage();
    }

    public ObjectNode extensions() {
        return extensions;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static ApiProblem badRequest(String detail) {
        return new ApiProblem(400, "Bad request", detail);
    }

}
