package com.comfyjobs.auth;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.ResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Verifies a caller's JWT the way API Gateway's JWT authorizer does for the HTTP API, for the WebSocket
 * API's $connect (whose Lambda authorizer cannot lean on API Gateway's): the signature with a key of
 * the issuer's JWKS (found through its OpenID discovery document,
 * {@code <issuer>/.well-known/openid-configuration}, and cached), an asymmetric algorithm (no
 * {@code none}, no HMAC), {@code iss} equal to the issuer, {@code exp} in the future and {@code nbf}
 * past (a minute's leeway), and {@code aud} or {@code client_id} (Cognito's access tokens carry only
 * the latter) one of the audiences. The caller is the claim JWT_USER_CLAIM names, as on the HTTP API.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>JWT_ISSUER</td><td>(required)</td><td>the issuer, as the HTTP API's authorizer has it</td></tr>
 * <tr><td>JWT_AUDIENCE</td><td>(required)</td><td>the accepted audiences (client ids), comma-separated</td></tr>
 * <tr><td>JWT_USER_CLAIM</td><td>sub</td><td>the claim that names the caller</td></tr>
 * </table>
 */
public final class JwtVerifier {
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);
    private static final int MAX_USER_LENGTH = 256;
    private static final int TIMEOUT_MS = 2000;
    private static final int MAX_DOCUMENT_BYTES = 256 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String issuer;
    private final Set<String> audiences;
    private final String userClaim;
    private final ResourceRetriever retriever;
    private volatile DefaultJWTProcessor<SecurityContext> processor;

    public JwtVerifier(String issuer, Set<String> audiences, String userClaim) {
        if (audiences.isEmpty()) {
            throw new ConfigException("JWT_AUDIENCE must name at least one audience");
        }
        this.issuer = issuer;
        this.audiences = Set.copyOf(audiences);
        this.userClaim = userClaim;
        this.retriever = new DefaultResourceRetriever(TIMEOUT_MS, TIMEOUT_MS, MAX_DOCUMENT_BYTES);
    }

    public static JwtVerifier fromEnv(Env env) {
        String issuer = env.required("JWT_ISSUER").trim();
        env.uri("JWT_ISSUER", null, "https", "http");
        List<String> audiences = new ArrayList<>();
        for (String a : env.required("JWT_AUDIENCE").split(",")) {
            if (!a.isBlank()) {
                audiences.add(a.trim());
            }
        }
        return new JwtVerifier(issuer, Set.copyOf(audiences), env.string("JWT_USER_CLAIM", "sub"));
    }

    /**
     * The caller the token names.
     *
     * @throws TokenRefusedException for a missing, malformed, unsigned, forged, expired or foreign token
     * @throws SigningKeysUnavailableException when the issuer's keys cannot be read now
     */
    public String userOf(String token) {
        if (token == null || token.isBlank()) {
            throw new TokenRefusedException("no token");
        }
        JWT jwt;
        try {
            jwt = JWTParser.parse(token);
        } catch (ParseException e) {
            throw new TokenRefusedException("not a JWT");
        }
        // refused before any key is fetched: garbage costs the issuer nothing, and needs no issuer to be refused
        if (!(jwt instanceof SignedJWT)) {
            throw new TokenRefusedException("the token is not signed");
        }
        JWTClaimsSet claims;
        try {
            claims = processor().process(jwt, null);
        } catch (KeySourceException e) {
            throw new SigningKeysUnavailableException("the issuer's signing keys cannot be read: " + e.getMessage(), e);
        } catch (BadJOSEException | JOSEException e) {
            throw new TokenRefusedException(e.getMessage());
        }
        List<String> aud = claims.getAudience();
        Object clientId = claims.getClaim("client_id");
        if (aud.stream().noneMatch(audiences::contains) && !(clientId instanceof String c && audiences.contains(c))) {
            throw new TokenRefusedException("the token is for another audience");
        }
        Object user = claims.getClaim(userClaim);
        if (!(user instanceof String u) || u.isBlank() || u.length() > MAX_USER_LENGTH || u.chars().anyMatch(Character::isISOControl)) {
            throw new TokenRefusedException("the token's " + userClaim + " claim does not name a caller");
        }
        return u;
    }

    private DefaultJWTProcessor<SecurityContext> processor() throws KeySourceException {
        DefaultJWTProcessor<SecurityContext> p = processor;
        if (p != null) {
            return p;
        }
        synchronized (this) {
            if (processor == null) {
                JWKSource<SecurityContext> keys = JWKSourceBuilder.<SecurityContext>create(jwksUrl(), retriever).build();
                DefaultJWTProcessor<SecurityContext> made = new DefaultJWTProcessor<>();
                made.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
                made.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(null, new JWTClaimsSet.Builder().issuer(issuer).build(),
                        Set.of("exp", userClaim), null));
                processor = made;
            }
            return processor;
        }
    }

    /** The JWKS the issuer's OpenID discovery document names; read once per container, again after a failure. */
    private URL jwksUrl() throws KeySourceException {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        JsonNode discovery;
        try {
            discovery = JSON.readTree(retriever.retrieveResource(URI.create(base + "/.well-known/openid-configuration").toURL()).getContent());
        } catch (IOException | IllegalArgumentException e) {
            throw new KeySourceException("the issuer's discovery document cannot be read: " + e.getMessage(), e);
        }
        String jwks = discovery == null ? "" : discovery.path("jwks_uri").asText("");
        if (!issuer.equals(discovery.path("issuer").asText(null)) || jwks.isEmpty()) {
            throw new KeySourceException("the discovery document at " + base + " does not name this issuer and a jwks_uri");
        }
        try {
            URL url = URI.create(jwks).toURL();
            if (!url.getProtocol().equals(URI.create(base).getScheme())) {
                throw new KeySourceException("the jwks_uri " + jwks + " leaves the issuer's scheme");
            }
            return url;
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new KeySourceException("the jwks_uri " + jwks + " is not a URL", e);
        }
    }
}
