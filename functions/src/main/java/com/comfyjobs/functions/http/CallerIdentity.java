package com.comfyjobs.functions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import java.util.Map;
import java.util.Optional;

/**
 * Who calls: a claim of the JWT that API Gateway's authorizer already verified, taken from the
 * request context and never from a header the caller controls. The claim is {@code sub} unless
 * JWT_USER_CLAIM names another.
 */
public final class CallerIdentity {
    private static final int MAX_LENGTH = 256;
    private final String claim;

    public CallerIdentity(String claim) {
        this.claim = claim;
    }

    public Optional<String> userOf(APIGatewayV2HTTPEvent e) {
        var context = e.getRequestContext();
        if (context == null || context.getAuthorizer() == null || context.getAuthorizer().getJwt() == null) {
            return Optional.empty();
        }
        Map<String, String> claims = context.getAuthorizer().getJwt().getClaims();
        String user = claims == null ? null : claims.get(claim);
        if (user == null || user.isBlank() || user.length() > MAX_LENGTH || user.chars().anyMatch(Character::isISOControl)) {
            return Optional.empty();
        }
        return Optional.of(user);
    }
}
