package com.comfyjobs.comfyui;

/**
 * The answer of a ComfyUI call that either worked or found the server unavailable (connect failure,
 * timeout, 5xx, or an answer that is not ComfyUI's). Unavailability is an expected state of a remote
 * GPU box, so it is a value, not an exception.
 */
public sealed interface Reply<T> permits Reply.Ok, Reply.Unavailable {
    record Ok<T>(T value) implements Reply<T> {
    }

    record Unavailable<T>(String reason) implements Reply<T> {
    }

    default boolean isOk() {
        return this instanceof Ok;
    }

    /** The value, or the given fallback when the server was unavailable. */
    default T orElse(T fallback) {
        return this instanceof Ok<T> ok ? ok.value() : fallback;
    }
}
