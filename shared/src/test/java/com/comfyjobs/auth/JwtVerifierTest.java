package com.comfyjobs.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket authorizer's token check against a local issuer: an HTTP server in this JVM serving an
 * OpenID discovery document and a JWKS with a freshly generated RSA key, the way Cognito or Auth0 do.
 */
class JwtVerifierTest {
    private static final String AUDIENCE = "comfyjobs-web";
    private HttpServer server;
    private String issuer;
    private RSAKey key;
    private final AtomicInteger jwksReads = new AtomicInteger();

    @BeforeEach
    void startIssuer() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("key-1").generate();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/issuer";
        server.createContext("/issuer/.well-known/openid-configuration", x -> send(x.getResponseBody(), x,
                "{\"issuer\": \"" + issuer + "\", \"jwks_uri\": \"" + issuer + "/jwks.json\"}"));
        server.createContext("/issuer/jwks.json", x -> {
            jwksReads.incrementAndGet();
            send(x.getResponseBody(), x, new JWKSet(key.toPublicJWK()).toString());
        });
        server.start();
    }

    @AfterEach
    void stopIssuer() {
        server.stop(0);
    }

    private static void send(OutputStream out, com.sun.net.httpserver.HttpExchange x, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(200, b.length);
        try (out) {
            out.write(b);
        }
    }

    private JwtVerifier verifier() {
        return new JwtVerifier(issuer, Set.of(AUDIENCE, "other-client"), "sub");
    }

    private JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(issuer).audience(AUDIENCE).subject("alice")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
    }

    private String signed(RSAKey with, Consumer<JWTClaimsSet.Builder> edit) throws Exception {
        JWTClaimsSet.Builder c = claims();
        edit.accept(c);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(with.getKeyID()).type(JOSEObjectType.JWT).build(), c.build());
        jwt.sign(new RSASSASigner(with));
        return jwt.serialize();
    }

    private String signed(Consumer<JWTClaimsSet.Builder> edit) throws Exception {
        return signed(key, edit);
    }

    @Test
    void aValidTokenNamesItsCaller() throws Exception {
        assertEquals("alice", verifier().userOf(signed(c -> { })));
    }

    @Test
    void theCallerIsTheClaimJwtUserClaimNames() throws Exception {
        JwtVerifier byEmail = new JwtVerifier(issuer, Set.of(AUDIENCE), "email");
        assertEquals("alice@example.com", byEmail.userOf(signed(c -> c.claim("email", "alice@example.com"))));
        assertThrows(TokenRefusedException.class, () -> byEmail.userOf(signed(c -> { })), "no such claim");
        assertThrows(TokenRefusedException.class, () -> byEmail.userOf(signed(c -> c.claim("email", List.of("a", "b")))));
        assertThrows(TokenRefusedException.class, () -> byEmail.userOf(signed(c -> c.claim("email", "a\nb"))));
    }

    @Test
    void aCognitoAccessTokenMatchesByItsClientId() throws Exception {
        assertEquals("alice", verifier().userOf(signed(c -> c.audience((String) null).claim("client_id", "other-client"))));
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        Instant past = Instant.now().minus(Duration.ofMinutes(10));
        TokenRefusedException e = assertThrows(TokenRefusedException.class,
                () -> verifier().userOf(signed(c -> c.issueTime(Date.from(past.minusSeconds(600))).expirationTime(Date.from(past)))));
        assertEquals("Expired JWT", e.getMessage());
    }

    @Test
    void aTokenWithoutExpiryIsRefused() throws Exception {
        assertThrows(TokenRefusedException.class, () -> verifier().userOf(signed(c -> c.expirationTime(null))));
    }

    @Test
    void aTokenNotYetValidIsRefused() throws Exception {
        assertThrows(TokenRefusedException.class, () -> verifier().userOf(signed(c -> c.notBeforeTime(Date.from(Instant.now().plusSeconds(600))))));
    }

    @Test
    void anotherIssuersTokenIsRefused() throws Exception {
        assertThrows(TokenRefusedException.class, () -> verifier().userOf(signed(c -> c.issuer("https://evil.example.com/"))));
        assertThrows(TokenRefusedException.class, () -> verifier().userOf(signed(c -> c.issuer(null))));
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() throws Exception {
        TokenRefusedException e = assertThrows(TokenRefusedException.class, () -> verifier().userOf(signed(c -> c.audience("someone-else"))));
        assertEquals("the token is for another audience", e.getMessage());
        assertThrows(TokenRefusedException.class, () -> verifier().userOf(signed(c -> c.audience((String) null))));
    }

    @Test
    void aSignatureByAnotherKeyIsRefused() throws Exception {
        RSAKey forger = new RSAKeyGenerator(2048).keyID("key-1").generate();
        assertThrows(TokenRefusedException.class, () -> verifier().userOf(signed(forger, c -> { })), "same key id, another key");
        String token = signed(c -> { });
        String[] parts = token.split("\\.");
        String otherClaims = Base64URL.encode(claims().subject("mallory").build().toString()).toString();
        assertThrows(TokenRefusedException.class, () -> verifier().userOf(parts[0] + "." + otherClaims + "." + parts[2]),
                "claims changed under a valid signature");
    }

    @Test
    void anUnsignedTokenIsRefused() throws Exception {
        String none = new PlainJWT(claims().build()).serialize();
        assertThrows(TokenRefusedException.class, () -> verifier().userOf(none));
        String token = signed(c -> { });
        String noneHeader = Base64URL.encode("{\"alg\":\"none\",\"kid\":\"key-1\"}").toString();
        assertThrows(TokenRefusedException.class, () -> verifier().userOf(noneHeader + "." + token.split("\\.")[1] + "."));
    }

    @Test
    void aTokenSignedWithTheKeyAsAnHmacSecretIsRefused() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("key-1").build(), claims().build());
        jwt.sign(new MACSigner(key.toPublicJWK().toRSAPublicKey().getEncoded()));
        assertThrows(TokenRefusedException.class, () -> verifier().userOf(jwt.serialize()));
    }

    @Test
    void aMissingOrMalformedTokenIsRefused() {
        JwtVerifier v = verifier();
        for (String t : new String[] {null, "", "   ", "not-a-jwt", "a.b.c", "e30.e30.e30"}) {
            assertThrows(TokenRefusedException.class, () -> v.userOf(t), String.valueOf(t));
        }
    }

    @Test
    void theKeysAreReadOnceAndCached() throws Exception {
        JwtVerifier v = verifier();
        for (int i = 0; i < 5; i++) {
            assertEquals("alice", v.userOf(signed(c -> { })));
        }
        assertEquals(1, jwksReads.get());
    }

    @Test
    void anIssuerOutOfReachIsAnOutageNotARefusal() throws Exception {
        String token = signed(c -> { });
        server.stop(0);
        assertThrows(SigningKeysUnavailableException.class, () -> verifier().userOf(token));
        assertThrows(TokenRefusedException.class, () -> verifier().userOf("not-a-jwt"), "what is no signed JWT needs no keys to be refused");
        assertThrows(TokenRefusedException.class, () -> verifier().userOf(new PlainJWT(claims().build()).serialize()));
    }

    @Test
    void theConfigurationIsCheckedAtStart() {
        assertThrows(ConfigException.class, () -> JwtVerifier.fromEnv(new Env(Map.of("JWT_AUDIENCE", "a"))));
        assertThrows(ConfigException.class, () -> JwtVerifier.fromEnv(new Env(Map.of("JWT_ISSUER", "ftp://x", "JWT_AUDIENCE", "a"))));
        assertThrows(ConfigException.class, () -> JwtVerifier.fromEnv(new Env(Map.of("JWT_ISSUER", issuer, "JWT_AUDIENCE", " , "))));
        assertEquals("alice", assertDoesNotThrowUser());
    }

    private String assertDoesNotThrowUser() {
        try {
            return JwtVerifier.fromEnv(new Env(Map.of("JWT_ISSUER", issuer, "JWT_AUDIENCE", "x," + AUDIENCE))).userOf(signed(c -> { }));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
