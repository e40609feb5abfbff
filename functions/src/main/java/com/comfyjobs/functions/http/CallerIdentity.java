package com.comfyjobs.functions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.job.Caller;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Who calls: claims of the JWT that API Gateway's authorizer already verified, taken from the
 * request context and never from a header the caller controls. The user is the claim {@code sub}
 * unless JWT_USER_CLAIM names another. An admin is a caller whose ADMIN_CLAIM (default
 * {@code scope}) holds ADMIN_CLAIM_VALUE (default {@code comfyjobs:admin}) as one of its words:
 * API Gateway passes a list claim as {@code "[a b]"} and a scope as {@code "a b"}, so both are read
 * as words separated by spaces or commas.
 */
public final class CallerIdentity {
    private static final int MAX_LENGTH = 256;
    private final String userClaim;
    private final String adminClaim;
    private final String adminValue;

    public CallerIdentity(String userClaim, String adminClaim, String adminValue) {
        this.userClaim = userClaim;
        this.adminClaim = adminClaim;
        this.adminValue = adminValue;
    }

    public static CallerIdentity fromEnv(Env env) {
        String value = env.string("ADMIN_CLAIM_VALUE", "comfyjobs:admin");
        if (value.isBlank() || value.chars().anyMatch(c -> c == ' ' || c == ',' || c == '[' || c == ']')) {
            throw new ConfigException("ADMIN_CLAIM_VALUE must be one word without spaces, commas or brackets, was '" + value + "'");
        }
        return new CallerIdentity(env.string("JWT_USER_CLAIM", "sub"), env.string("ADMIN_CLAIM", "scope"), value);
    }

    public Optional<Caller> callerOf(APIGatewayV2HTTPEvent e) {
        var context = e.getRequestContext();
        if (context == null || context.getAuthorizer() == null || context.getAuthorizer().getJwt() == null) {
            return Optional.empty();
        }
        Map<String, String> claims = context.getAuthorizer().getJwt().getClaims();
        String user = claims == null ? null : claims.get(userClaim);
        if (user == null || user.isBlank() || user.length() > MAX_LENGTH || user.chars().anyMatch(Character::isISOControl)) {
            return Optional.empty();
        }
        return Optional.of(new Caller(user, holdsAdminValue(claims.get(adminClaim))));
    }

    /** Claims under which {@link #callerOf} finds {@code userId}, no admin: for synthetic requests (SnapStart priming). */
    public Map<String, String> claimsOf(String userId) {
        return Map.of(userClaim, userId);
    }

    private boolean holdsAdminValue(String claim) {
        if (claim == null) {
            return false;
        }
        String words = claim.strip();
        if (words.startsWith("[") && words.endsWith("]")) {
            words = words.substring(1, words.length() - 1);
        }
        return Arrays.asList(words.split("[\\s,]+")).contains(adminValue);
    }
}
