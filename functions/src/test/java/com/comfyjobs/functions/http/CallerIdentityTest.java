package com.comfyjobs.functions.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.job.Caller;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CallerIdentityTest {
    private final CallerIdentity identity = CallerIdentity.fromEnv(new Env(Map.of()));

    private static APIGatewayV2HTTPEvent withClaims(Map<String, String> claims) {
        var jwt = APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT.builder().withClaims(claims).withScopes(List.of()).build();
        var context = APIGatewayV2HTTPEvent.RequestContext.builder()
                .withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder().withJwt(jwt).build()).build();
        return APIGatewayV2HTTPEvent.builder().withRequestContext(context).build();
    }

    private Optional<Caller> caller(String sub, String scope) {
        Map<String, String> claims = new HashMap<>();
        if (sub != null) {
            claims.put("sub", sub);
        }
        if (scope != null) {
            claims.put("scope", scope);
        }
        return identity.callerOf(withClaims(claims));
    }

    @Test
    void theUserIsTheVerifiedSubject() {
        assertEquals(Optional.of(Caller.user("u-1")), caller("u-1", null));
        assertEquals(Optional.of(Caller.user("u-1")), caller("u-1", "openid profile"));
    }

    @Test
    void noVerifiedSubjectIsNoCaller() {
        assertTrue(caller(null, "comfyjobs:admin").isEmpty());
        assertTrue(caller(" ", null).isEmpty());
        assertTrue(caller("a\nb", null).isEmpty());
        assertTrue(caller("x".repeat(257), null).isEmpty());
        assertTrue(identity.callerOf(APIGatewayV2HTTPEvent.builder().build()).isEmpty());
    }

    @Test
    void anAdminHoldsTheAdminValueAsAWordOfTheClaim() {
        assertTrue(caller("a", "comfyjobs:admin").orElseThrow().admin());
        assertTrue(caller("a", "openid comfyjobs:admin profile").orElseThrow().admin(), "an OAuth scope string");
        assertTrue(caller("a", "[openid comfyjobs:admin]").orElseThrow().admin(), "a list claim as API Gateway passes it");
        assertTrue(caller("a", "[openid,comfyjobs:admin]").orElseThrow().admin());
    }

    @Test
    void aClaimThatOnlyContainsTheValueInsideAWordIsNoAdmin() {
        assertFalse(caller("a", "comfyjobs:admins").orElseThrow().admin());
        assertFalse(caller("a", "not-comfyjobs:admin").orElseThrow().admin());
        assertFalse(caller("a", "").orElseThrow().admin());
    }

    @Test
    void theAdminClaimAndValueAreConfigurable() {
        CallerIdentity groups = CallerIdentity.fromEnv(new Env(Map.of("ADMIN_CLAIM", "cognito:groups", "ADMIN_CLAIM_VALUE", "ops")));
        assertTrue(groups.callerOf(withClaims(Map.of("sub", "a", "cognito:groups", "[users ops]"))).orElseThrow().admin());
        assertFalse(groups.callerOf(withClaims(Map.of("sub", "a", "scope", "comfyjobs:admin"))).orElseThrow().admin());
    }

    @Test
    void anAdminValueThatCannotBeOneWordIsRefusedAtStart() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> CallerIdentity.fromEnv(new Env(Map.of("ADMIN_CLAIM_VALUE", "comfyjobs admin"))));
        assertTrue(e.getMessage().contains("ADMIN_CLAIM_VALUE"), e.getMessage());
    }
}
