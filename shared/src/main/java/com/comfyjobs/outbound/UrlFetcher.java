package com.comfyjobs.outbound;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * GETs a caller's URL under a {@link UrlPolicy}: the policy's resolver picks the addresses, redirects
 * are refused rather than followed (a redirect could point anywhere, and would be a second look-up),
 * nothing is retried, no cookies, credentials or compression (so the size cap counts the bytes that
 * arrive), connect and read timeouts, and a deadline for the whole body, whose size is capped while
 * it streams in.
 */
public final class UrlFetcher implements AutoCloseable {
    private final UrlPolicy policy;
    private final Duration deadline;
    private final CloseableHttpClient http;

    public UrlFetcher(UrlPolicy policy, Duration connectTimeout, Duration readTimeout, Duration deadline) {
        this.policy = policy;
        this.deadline = deadline;
        this.http = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(policy.resolver())
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(connectTimeout))
                                .setSocketTimeout(Timeout.of(readTimeout))
                                .build())
                        .setMaxConnTotal(16)
                        .setMaxConnPerRoute(4)
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(readTimeout)).setRedirectsEnabled(false).build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .setUserAgent("ComfyJobs")
                .build();
    }

    /**
     * The body of a 200 answer to GET {@code url}, at most {@code maxBytes} of it.
     *
     * @throws UrlRefusedException when the policy refuses the URL or its host, the server answers
     *                             anything but 200, the body is larger, or the request fails or takes too long
     */
    public byte[] get(String url, long maxBytes) {
        URI uri = policy.check(url);
        long until = System.nanoTime() + deadline.toNanos();
        HttpGet get = new HttpGet(uri);
        try {
            return http.execute(get, response -> read(get, response, maxBytes, until));
        } catch (RefusedAddressException e) {
            throw new UrlRefusedException("the URL's host resolves to a " + e.category() + " address, which is not allowed");
        } catch (UnknownHostException e) {
            throw new UrlRefusedException("the URL's host does not resolve");
        } catch (SocketTimeoutException e) {
            throw new UrlRefusedException("the URL's server did not answer in time");
        } catch (IOException e) {
            throw new UrlRefusedException("the URL's server could not be reached");
        }
    }

    private static byte[] read(HttpGet get, ClassicHttpResponse response, long maxBytes, long until) throws IOException {
        int status = response.getCode();
        if (status >= 300 && status < 400) {
            throw refuse(get, "the URL answered with a redirect (HTTP " + status + "); redirects are not followed");
        }
        if (status != 200) {
            throw refuse(get, "the URL answered HTTP " + status);
        }
        HttpEntity entity = response.getEntity();
        if (entity == null) {
            return new byte[0];
        }
        if (entity.getContentLength() > maxBytes) {
            throw refuse(get, tooLarge(maxBytes));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(entity.getContentLength(), 8192), maxBytes));
        byte[] chunk = new byte[16 * 1024];
        try (InputStream in = entity.getContent()) {
            int n;
            while ((n = in.read(chunk)) != -1) {
                if (out.size() + (long) n > maxBytes) {
                    throw refuse(get, tooLarge(maxBytes));
                }
                out.write(chunk, 0, n);
                if (System.nanoTime() > until) {
                    throw refuse(get, "the URL's server did not send the whole body in time");
                }
            }
        }
        // the Content-Type is not read: what the bytes are is judged from the bytes
        return out.toByteArray();
    }

    private static String tooLarge(long maxBytes) {
        return "the URL's body is larger than " + maxBytes + " bytes";
    }

    /**
     * Drops the connection before the refusal leaves: closing the response normally reads the rest of
     * the body, which a hostile server can make endless.
     */
    private static UrlRefusedException refuse(HttpGet get, String message) {
        get.cancel();
        return new UrlRefusedException(message);
    }

    @Override
    public void close() {
        http.close(CloseMode.GRACEFUL);
    }
}
