package com.comfyjobs.job;

import java.util.Objects;

/**
 * Who asks, as the API's authorizer verified it: the user every job and upload belongs to, and
 * whether the caller may administer the service (publish templates, submit raw workflows when
 * RAW_WORKFLOWS allows only admins).
 */
public record Caller(String userId, boolean admin) {
    public Caller {
        Objects.requireNonNull(userId, "userId");
    }

    public static Caller user(String userId) {
        return new Caller(userId, false);
    }

    public static Caller admin(String userId) {
        return new Caller(userId, true);
    }
}
