package com.comfyjobs.outbound;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.Env;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The URL rules without a network: what a URL may look like, and what the resolver hands the HTTP client. */
class UrlPolicyTest {
    private static final UrlPolicy STRICT = new UrlPolicy(false, host -> {
        throw new UnknownHostException("no lookups in this test");
    });
    private static final UrlPolicy LOCAL = new UrlPolicy(true, UrlPolicy.HostLookup.SYSTEM);

    private static String refusal(UrlPolicy policy, String url) {
        return assertThrows(UrlRefusedException.class, () -> policy.check(url), url).getMessage();
    }

    @Test
    void theDeployedDefaultIsStrict() {
        assertEquals("the URL must use https", refusal(UrlPolicy.fromEnv(new Env(Map.of())), "http://127.0.0.1/a.png"));
        assertEquals("http://127.0.0.1/a.png", UrlPolicy.fromEnv(new Env(Map.of("ALLOW_PRIVATE_URLS", "true"))).check("http://127.0.0.1/a.png").toString());
    }

    @Test
    void onlyHttpsUnlessPrivateUrlsAreAllowed() {
        assertEquals("the URL must use https", refusal(STRICT, "http://example.com/a.png"));
        for (String url : List.of("ftp://example.com/a.png", "file:///etc/passwd", "gopher://example.com/", "jar:https://x/!a",
                "javascript:alert(1)", "//example.com/a.png", "example.com/a.png")) {
            assertEquals("the URL must use https", refusal(STRICT, url), url);
        }
        assertEquals("https://example.com/a.png", STRICT.check("https://example.com/a.png").toString());
        assertEquals("http://example.com/a.png", LOCAL.check("http://example.com/a.png").toString());
        assertEquals("the URL must use https or http", refusal(LOCAL, "file:///etc/passwd"));
    }

    @Test
    void credentialsMissingHostsAndOverlongUrlsAreRefused() {
        assertEquals("the URL must not carry credentials", refusal(STRICT, "https://user:secret@example.com/a.png"));
        assertEquals("the URL must not carry credentials", refusal(STRICT, "https://user@example.com/a.png"));
        assertEquals("the URL has no valid host", refusal(STRICT, "https:///a.png"));
        assertEquals("the URL has no valid host", refusal(STRICT, "https://exa_mple.com/a.png"));
        assertEquals("the URL is not a valid URL", refusal(STRICT, "https://exa mple.com/a.png"));
        assertTrue(refusal(STRICT, "https://example.com/" + "a".repeat(UrlPolicy.MAX_URL_CHARS)).contains("longer than"));
    }

    @Test
    void addressesWrittenIntoTheUrlAreJudgedInEverySpelling() {
        for (String url : List.of("https://127.0.0.1/", "https://127.1/", "https://2130706433/", "https://0.0.0.0/",
                "https://169.254.169.254/latest/meta-data/", "https://10.0.0.1:8443/a.png", "https://[::1]/", "https://[0:0:0:0:0:0:0:1]/",
                "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/", "https://[fd00:ec2::254]/", "https://[fe80::1]/",
                "https://[64:ff9b::a9fe:a9fe]/", "https://[2002:7f00:1::]/")) {
            String why = refusal(STRICT, url);
            // java.net.URI already refuses some spellings (127.1) as hosts; the rest are judged as addresses
            assertTrue(why.contains("address") || why.equals("the URL has no valid host"), url + ": " + why);
        }
        assertEquals("https://8.8.8.8/a.png", STRICT.check("https://8.8.8.8/a.png").toString());
        assertEquals("https://[2606:4700:4700::1111]/a.png", STRICT.check("https://[2606:4700:4700::1111]/a.png").toString());
        assertEquals("http://127.0.0.1:8080/a.png", LOCAL.check("http://127.0.0.1:8080/a.png").toString());
    }

    @Test
    void theResolverRefusesAHostWhenAnyOfItsAddressesIsRefused() throws Exception {
        InetAddress open = InetAddress.getByName("93.184.215.14");
        InetAddress inside = InetAddress.getByName("10.1.2.3");
        UrlPolicy strict = new UrlPolicy(false, host -> new InetAddress[] {open, inside});
        RefusedAddressException e = assertThrows(RefusedAddressException.class, () -> strict.resolver().resolve("mixed.example"));
        assertEquals("private", e.category());
        assertThrows(RefusedAddressException.class, () -> strict.resolver().resolve("mixed.example", 443));
        assertArrayEquals(new InetAddress[] {open, inside}, new UrlPolicy(true, host -> new InetAddress[] {open, inside})
                .resolver().resolve("mixed.example"), "with private URLs allowed every address is handed on");
    }

    @Test
    void theResolverHandsOnExactlyTheAddressesItCheckedFromOneLookup() throws Exception {
        InetAddress first = InetAddress.getByName("93.184.215.14");
        InetAddress second = InetAddress.getByName("2606:2800:21f:cb07:6820:80da:af6b:8b2c");
        AtomicInteger lookups = new AtomicInteger();
        UrlPolicy strict = new UrlPolicy(false, host -> {
            assertEquals("public.example", host);
            lookups.incrementAndGet();
            return new InetAddress[] {first, second};
        });
        assertArrayEquals(new InetAddress[] {first, second}, strict.resolver().resolve("public.example"));
        assertEquals(List.of(first, second), strict.resolver().resolve("public.example", 443).stream().map(a -> a.getAddress()).toList());
        assertEquals(443, strict.resolver().resolve("public.example", 443).get(0).getPort());
        assertEquals(3, lookups.get(), "one lookup per resolution, nothing cached that a later answer could disagree with");
        assertEquals("public.example", strict.resolver().resolveCanonicalHostname("public.example"), "no reverse lookup");
    }
    @Test
    void aUrlKeptForLaterIsJudgedByItsAddressesAsTheyResolveNow() {
        UrlPolicy policy = new UrlPolicy(false, host -> switch (host) {
            case "receiver.example" -> new InetAddress[] {InetAddress.getByName("93.184.216.34")};
            case "inside.example" -> new InetAddress[] {InetAddress.getByName("93.184.216.34"), InetAddress.getByName("192.168.1.9")};
            default -> throw new UnknownHostException(host);
        });
        assertEquals("https://receiver.example/hook", policy.checkResolved("https://receiver.example/hook").toString());
        assertEquals("the URL's host resolves to a private address, which is not allowed",
                assertThrows(UrlRefusedException.class, () -> policy.checkResolved("https://inside.example/hook")).getMessage());
        assertEquals("the URL's host does not resolve",
                assertThrows(UrlRefusedException.class, () -> policy.checkResolved("https://gone.example/hook")).getMessage());
        assertEquals("the URL must use https", assertThrows(UrlRefusedException.class, () -> policy.checkResolved("http://receiver.example/")).getMessage());
        assertEquals("http://127.0.0.1:9/hook", LOCAL.checkResolved("http://127.0.0.1:9/hook").toString());
    }
}
