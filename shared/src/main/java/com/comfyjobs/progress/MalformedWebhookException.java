package com.comfyjobs.progress;

/** A correctly signed delivery whose body is not an envelope or an array of them: answered 400. */
public class MalformedWebhookException extends RuntimeException {
    public MalformedWebhookException(String message) {
        super(message);
    }
}
