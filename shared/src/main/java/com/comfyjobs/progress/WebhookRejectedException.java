package com.comfyjobs.progress;

/** A delivery whose signature, timestamp or headers do not check out: answered 401, nothing changes. */
public class WebhookRejectedException extends RuntimeException {
    public WebhookRejectedException(String message) {
        super(message);
    }
}
