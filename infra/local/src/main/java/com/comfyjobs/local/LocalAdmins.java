package com.comfyjobs.local;

import com.comfyjobs.config.Env;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which local users are admins (LOCAL_ADMINS, comma-separated, default {@code admin}) and the claim
 * that says so, as the functions read it (ADMIN_CLAIM, ADMIN_CLAIM_VALUE and their defaults).
 */
record LocalAdmins(Set<String> users, String claim, String value) {
    static LocalAdmins fromEnv(Env env) {
        Set<String> users = Arrays.stream(env.string("LOCAL_ADMINS", "admin").split(","))
                .map(String::strip).filter(u -> !u.isEmpty()).collect(Collectors.toUnmodifiableSet());
        return new LocalAdmins(users, env.string("ADMIN_CLAIM", "scope"), env.string("ADMIN_CLAIM_VALUE", "comfyjobs:admin"));
    }

    boolean isAdmin(String user) {
        return users.contains(user);
    }
}
