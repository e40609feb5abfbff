package com.comfyjobs.outbound;

import java.net.InetAddress;
import java.util.Optional;

/**
 * Tells public addresses from those a request to a caller's URL must never reach: this machine, the
 * networks it sits in, the cloud's metadata service, and the special ranges. IPv6 forms that carry
 * an IPv4 address (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64, 6to4) are judged by the
 * IPv4 address they carry, so no spelling of a refused address passes.
 */
public final class AddressClassifier {
    private AddressClassifier() {
    }

    /** Why {@code address} is refused ("loopback", "private", ...), or empty for a public address. */
    public static Optional<String> refusal(InetAddress address) {
        byte[] b = address.getAddress();
        return b.length == 4 ? ipv4(b, 0) : ipv6(b);
    }

    private static Optional<String> ipv4(byte[] bytes, int at) {
        int a = bytes[at] & 0xff;
        int b = bytes[at + 1] & 0xff;
        int c = bytes[at + 2] & 0xff;
        int d = bytes[at + 3] & 0xff;
        if (a == 0) {
            return Optional.of("unspecified");
        }
        if (a == 127) {
            return Optional.of("loopback");
        }
        if (a == 10 || a == 172 && (b & 0xf0) == 16 || a == 192 && b == 168) {
            return Optional.of("private");
        }
        if (a == 100 && (b & 0xc0) == 64) {
            return Optional.of("shared (carrier-grade NAT)");
        }
        if (a == 169 && b == 254) {
            return Optional.of(c == 169 && d == 254 ? "metadata" : "link-local");
        }
        if (a == 192 && b == 0 && c == 0) {
            return Optional.of("reserved (IETF protocol assignments)");
        }
        if (a == 198 && (b & 0xfe) == 18) {
            return Optional.of("reserved (benchmarking)");
        }
        if (a >= 224 && a <= 239) {
            return Optional.of("multicast");
        }
        if (a == 255 && b == 255 && c == 255 && d == 255) {
            return Optional.of("broadcast");
        }
        if (a >= 240) {
            return Optional.of("reserved");
        }
        return Optional.empty();
    }

    private static Optional<String> ipv6(byte[] b) {
        if (zeros(b, 0, 15)) {
            int last = b[15] & 0xff;
            if (last == 0) {
                return Optional.of("unspecified");
            }
            if (last == 1) {
                return Optional.of("loopback");
            }
        }
        if (zeros(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            return ipv4(b, 12); // IPv4-mapped ::ffff:a.b.c.d
        }
        if (zeros(b, 0, 12)) {
            return ipv4(b, 12); // IPv4-compatible ::a.b.c.d
        }
        if (zeros(b, 0, 8) && (b[8] & 0xff) == 0xff && (b[9] & 0xff) == 0xff && zeros(b, 10, 2)) {
            return ipv4(b, 12); // IPv4-translated ::ffff:0:a.b.c.d
        }
        if (word(b, 0) == 0x0064 && word(b, 1) == 0xff9b && (zeros(b, 4, 8) || word(b, 2) == 0x0001)) {
            return ipv4(b, 12); // NAT64, 64:ff9b::/96 and the local-use 64:ff9b:1::/48
        }
        if (word(b, 0) == 0x2002) {
            return ipv4(b, 2); // 6to4 2002:aabb:ccdd::/48
        }
        if (word(b, 0) == 0x2001 && word(b, 1) == 0x0000) {
            return Optional.of("reserved (Teredo)");
        }
        if (word(b, 0) == 0x0100 && zeros(b, 2, 6)) {
            return Optional.of("reserved (discard)");
        }
        int first = b[0] & 0xff;
        if (first == 0xfe && (b[1] & 0xc0) == 0x80) {
            return Optional.of("link-local");
        }
        if (first == 0xfe && (b[1] & 0xc0) == 0xc0) {
            return Optional.of("site-local");
        }
        if ((first & 0xfe) == 0xfc) {
            boolean metadata = word(b, 0) == 0xfd00 && word(b, 1) == 0x0ec2 && zeros(b, 4, 10) && word(b, 7) == 0x0254;
            return Optional.of(metadata ? "metadata" : "unique-local");
        }
        if (first == 0xff) {
            return Optional.of("multicast");
        }
        return Optional.empty();
    }

    private static boolean zeros(byte[] b, int from, int count) {
        for (int i = from; i < from + count; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** The {@code n}th 16-bit group. */
    private static int word(byte[] b, int n) {
        return (b[2 * n] & 0xff) << 8 | b[2 * n + 1] & 0xff;
    }
}
