package com.comfyjobs.outbound;

import com.comfyjobs.config.Env;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.hc.client5.http.DnsResolver;

/**
 * The rules for every request ComfyJobs makes to a URL a caller chose (an input image, a callback's
 * receiver), so that a caller cannot make this service reach what only it can
 * reach: the cloud's metadata service, ComfyUI, Redis, anything on a private network.
 *
 * <p>With ALLOW_PRIVATE_URLS false (the deployed default): https only, no credentials in the URL,
 * and the host's addresses are checked by {@link #resolver()} at the moment the HTTP client connects:
 * if ANY of them is refused ({@link AddressClassifier}) the request is never made, and the client
 * connects only to the addresses that were checked. There is no second lookup that a DNS server could
 * answer differently (DNS rebinding). With ALLOW_PRIVATE_URLS true (the local stack, tests): http and
 * every address are allowed.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>ALLOW_PRIVATE_URLS</td><td>false</td><td>true lets caller URLs use http and reach private, loopback and other
 * reserved addresses: for a local stack only</td></tr>
 * </table>
 */
public final class UrlPolicy {
    public static final int MAX_URL_CHARS = 2048;
    private static final Pattern IPV4_LITERAL = Pattern.compile("[0-9.]+");

    /** The name service: the system's, or in tests one that answers what a test wants. */
    @FunctionalInterface
    public interface HostLookup {
        HostLookup SYSTEM = InetAddress::getAllByName;

        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    private final boolean allowPrivate;
    private final HostLookup lookup;

    public UrlPolicy(boolean allowPrivate, HostLookup lookup) {
        this.allowPrivate = allowPrivate;
        this.lookup = lookup;
    }

    public static UrlPolicy fromEnv(Env env) {
        return new UrlPolicy(env.bool("ALLOW_PRIVATE_URLS", false), HostLookup.SYSTEM);
    }

    /**
     * The URL, if its form is allowed: scheme, no credentials, a host, and (for an address written
     * into the URL) an allowed address. A host name is judged when it is resolved, by {@link #resolver()}.
     *
     * @throws UrlRefusedException saying which rule the URL breaks
     */
    public URI check(String url) {
        if (url.length() > MAX_URL_CHARS) {
            throw new UrlRefusedException("the URL is longer than " + MAX_URL_CHARS + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new UrlRefusedException("the URL is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(allowPrivate && scheme.equals("http"))) {
            throw new UrlRefusedException(allowPrivate ? "the URL must use https or http" : "the URL must use https");
        }
        if (uri.getRawUserInfo() != null) {
            throw new UrlRefusedException("the URL must not carry credentials");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new UrlRefusedException("the URL has no valid host");
        }
        if (!allowPrivate && isAddressLiteral(host)) {
            try {
                for (InetAddress a : InetAddress.getAllByName(host)) {
                    Optional<String> refused = AddressClassifier.refusal(a);
                    if (refused.isPresent()) {
                        throw new UrlRefusedException("the URL's host is a " + refused.get() + " address, which is not allowed");
                    }
                }
            } catch (UnknownHostException e) {
                throw new UrlRefusedException("the URL's host is not a valid address");
            }
        }
        return uri;
    }

    /**
     * {@link #check} and the host's addresses as they resolve now: for a URL that is kept and requested
     * later (a callback's receiver), so a caller hears at once that it will be refused. Each request
     * judges the addresses again when it connects ({@link #resolver()}), as a name can resolve
     * differently later.
     *
     * @throws UrlRefusedException saying which rule the URL breaks, or that its host does not resolve
     */
    public URI checkResolved(String url) {
        URI uri = check(url);
        try {
            new Vetted().resolve(uri.getHost());
        } catch (RefusedAddressException e) {
            throw new UrlRefusedException("the URL's host resolves to a " + e.category() + " address, which is not allowed");
        } catch (UnknownHostException e) {
            throw new UrlRefusedException("the URL's host does not resolve");
        }
        return uri;
    }

    private static boolean isAddressLiteral(String host) {
        return host.startsWith("[") || IPV4_LITERAL.matcher(host).matches();
    }

    /**
     * The resolver for an Apache HttpClient 5 connection manager: it looks the host up once, refuses
     * it if any address is refused, and hands the client exactly the addresses it checked.
     */
    public DnsResolver resolver() {
        return new Vetted();
    }

    private final class Vetted implements DnsResolver {
        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            String name = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            InetAddress[] addresses = lookup.lookup(name);
            if (addresses == null || addresses.length == 0) {
                throw new UnknownHostException("no address");
            }
            if (!allowPrivate) {
                for (InetAddress a : addresses) {
                    Optional<String> refused = AddressClassifier.refusal(a);
                    if (refused.isPresent()) {
                        throw new RefusedAddressException(refused.get());
                    }
                }
            }
            return addresses.clone();
        }

        @Override
        public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
            List<InetSocketAddress> out = new ArrayList<>();
            for (InetAddress a : resolve(host)) {
                out.add(new InetSocketAddress(a, port));
            }
            return out;
        }

        @Override
        public String resolveCanonicalHostname(String host) {
            return host;
        }
    }
}
