package com.comfyjobs.service;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the service refuses, with the HTTP status and the RFC 9457 problem fields to answer
 * with. Thrown before anything is changed. {@code extensions} adds members to the problem (for
 * example ComfyUI's node_errors); {@code retryAfterSeconds} > 0 becomes a Retry-After header.
 */
public class ClientError extends RuntimeException {
    private final int status;
    private final String title;
    private final transient ObjectNode extensions;
    private final long retryAfterSeconds;

    public ClientError(int status, String title, String detail) {
        this(status, title, detail, null, 0);
    }

    public ClientError(int status, String title, String detail, ObjectNode extensions, long retryAfterSeconds) {
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

    public static ClientError badRequest(String detail) {
        return new ClientError(400, "Bad request", detail);
    }

    public static ClientError notFound() {
        return new ClientError(404, "Not found", "no job with this id");
    }
}
