package com.comfyjobs.progress;

/** A webhook body over the limit, refused before it is parsed or verified. */
public final class WebhookTooLargeException extends RuntimeException {
    public WebhookTooLargeException(String detail) {
        super(detail);
    }
}
