package com.comfyjobs.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every refused range, in every IPv6 spelling that carries an IPv4 address, and the public neighbours of each range. */
class AddressClassifierTest {

    private static Optional<String> refusal(String literal) throws Exception {
        return AddressClassifier.refusal(InetAddress.getByName(literal));
    }

    /** The address as an Inet6Address even when it carries an IPv4 one (InetAddress.getByName turns ::ffff:a.b.c.d into IPv4). */
    private static Optional<String> refusalOfIpv6Bytes(String literal) throws Exception {
        byte[] v6 = new byte[16];
        byte[] parsed = InetAddress.getByName(literal).getAddress();
        if (parsed.length == 4) {
            v6[10] = (byte) 0xff;
            v6[11] = (byte) 0xff;
            System.arraycopy(parsed, 0, v6, 12, 4);
        } else {
            v6 = parsed;
        }
        return AddressClassifier.refusal(Inet6Address.getByAddress(null, v6, null));
    }

    @Test
    void everyRefusedIpv4RangeIsRefusedFromItsFirstToItsLastAddress() throws Exception {
        String[][] cases = {
            {"0.0.0.0", "unspecified"}, {"0.255.255.255", "unspecified"},
            {"127.0.0.1", "loopback"}, {"127.255.255.254", "loopback"},
            {"10.0.0.0", "private"}, {"10.255.255.255", "private"},
            {"172.16.0.0", "private"}, {"172.31.255.255", "private"},
            {"192.168.0.0", "private"}, {"192.168.255.255", "private"},
            {"100.64.0.0", "shared (carrier-grade NAT)"}, {"100.127.255.255", "shared (carrier-grade NAT)"},
            {"169.254.0.0", "link-local"}, {"169.254.255.255", "link-local"},
            {"169.254.169.254", "metadata"},
            {"192.0.0.0", "reserved (IETF protocol assignments)"}, {"192.0.0.170", "reserved (IETF protocol assignments)"},
            {"198.18.0.0", "reserved (benchmarking)"}, {"198.19.255.255", "reserved (benchmarking)"},
            {"224.0.0.1", "multicast"}, {"239.255.255.255", "multicast"},
            {"240.0.0.1", "reserved"}, {"254.255.255.255", "reserved"},
            {"255.255.255.255", "broadcast"},
        };
        List<String> wrong = new ArrayList<>();
        for (String[] c : cases) {
            if (!refusal(c[0]).equals(Optional.of(c[1]))) {
                wrong.add(c[0] + " -> " + refusal(c[0]));
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void theNeighboursOfEachRangeArePublic() throws Exception {
        for (String a : List.of("1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "126.255.255.255", "128.0.0.0",
                "172.15.255.255", "172.32.0.0", "192.167.255.255", "192.169.0.0", "100.63.255.255", "100.128.0.0",
                "169.253.255.255", "169.255.0.0", "192.0.1.0", "198.17.255.255", "198.20.0.0", "223.255.255.255")) {
            assertEquals(Optional.empty(), refusal(a), a);
        }
    }

    @Test
    void ipv6RangesAreRefusedInEverySpelling() throws Exception {
        String[][] cases = {
            {"::", "unspecified"}, {"0:0:0:0:0:0:0:0", "unspecified"},
            {"::1", "loopback"}, {"0:0:0:0:0:0:0:1", "loopback"}, {"0000:0000:0000::0001", "loopback"},
            {"fe80::1", "link-local"}, {"febf:ffff::1", "link-local"}, {"FE80::A:B", "link-local"},
            {"fec0::1", "site-local"},
            {"fc00::1", "unique-local"}, {"fdff:ffff::1", "unique-local"},
            {"fd00:ec2::254", "metadata"}, {"fd00:0ec2:0000:0000:0000:0000:0000:0254", "metadata"},
            {"ff02::1", "multicast"}, {"ff0e::1", "multicast"},
            {"100::1", "reserved (discard)"},
            {"2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved (Teredo)"},
            // IPv4-compatible, IPv4-translated, NAT64 and 6to4 forms carry the IPv4 address they are judged by
            {"::127.0.0.1", "loopback"}, {"::7f00:1", "loopback"}, {"::10.1.2.3", "private"},
            {"::ffff:0:192.168.0.1", "private"}, {"::ffff:0:a9fe:a9fe", "metadata"},
            {"64:ff9b::127.0.0.1", "loopback"}, {"64:ff9b::a9fe:a9fe", "metadata"}, {"64:ff9b::10.0.0.1", "private"},
            {"64:ff9b:1::10.0.0.1", "private"},
            {"2002:7f00:1::1", "loopback"}, {"2002:c0a8:0101::1", "private"}, {"2002:a9fe:a9fe::", "metadata"},
        };
        List<String> wrong = new ArrayList<>();
        for (String[] c : cases) {
            if (!refusal(c[0]).equals(Optional.of(c[1]))) {
                wrong.add(c[0] + " -> " + refusal(c[0]));
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void ipv4MappedAddressesAreJudgedByTheirIpv4AddressHoweverTheyArrive() throws Exception {
        for (String[] c : new String[][] {{"::ffff:127.0.0.1", "loopback"}, {"::ffff:7f00:1", "loopback"},
                {"::ffff:169.254.169.254", "metadata"}, {"0:0:0:0:0:ffff:10.0.0.1", "private"}, {"::ffff:100.64.0.1", "shared (carrier-grade NAT)"}}) {
            assertEquals(Optional.of(c[1]), refusal(c[0]), c[0] + " as the JDK parses it");
            assertEquals(Optional.of(c[1]), refusalOfIpv6Bytes(c[0]), c[0] + " kept as IPv6 bytes");
        }
        assertEquals(Optional.empty(), refusalOfIpv6Bytes("::ffff:8.8.8.8"));
    }

    @Test
    void publicIpv6AddressesAndTheirIpv4FormsPass() throws Exception {
        for (String a : List.of("2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001:80b::200e", "64:ff9b::8.8.8.8",
                "2002:0808:0808::1", "fbff::1", "fe7f::1", "2001:1::1")) {
            assertTrue(refusal(a).isEmpty(), a + " -> " + refusal(a));
        }
    }
}
