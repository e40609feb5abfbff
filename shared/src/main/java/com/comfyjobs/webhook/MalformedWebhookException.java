package com.comfyjobs.webhook;

/** A correctly signed delivery whose body is not an envelope or an array of them: answered 400. */
public class MalformedWebhookException extends Exception {
    public MalformedWebhookException(String message) {
        super(message);
    }
}
