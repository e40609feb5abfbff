package com.comfyjobs.outbound;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * GETs or POSTs to a caller's URL under a {@link UrlPolicy}: the policy's resolver picks the
 * addresses, redirects are refused rather than followed (a redirect could point anywhere, and would be
 * a second look-up), nothing is retried, no cookies, credentials or compression (so the size cap
 * counts the bytes that arrive), connect and read timeouts, and a deadline for the whole exchange,
 * whose answer's size is capped while it streams in.
 */
public final class UrlFetcher implements AutoCloseable {
    /** Cuts exchanges that run past their deadline; one daemon thread for every fetcher. */
    private static final ScheduledExecutorService CUTTER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "url-deadline");
        t.setDaemon(true);
        return t;
    });

    private final UrlPolicy policy;
    private final Duration deadline;
    private final CloseableHttpClient http;

    /** What a POST was answered: the status and at most the first bytes of the body that were read. */
    public record Answer(int status, byte[] start) {
    }

    public UrlFetcher(UrlPolicy policy, Duration connectTimeout, Duration readTimeout, Duration deadline) {
        this(policy, connectTimeout, readTimeout, deadline, 4);
    }

    /** {@code connectionsPerHost}: requests to one host at once (the pool holds four times as many in all). */
    public UrlFetcher(UrlPolicy policy, Duration connectTimeout, Duration readTimeout, Duration deadline, int connectionsPerHost) {
        this.policy = policy;
        this.deadline = deadline;
        this.http = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(policy.resolver())
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(connectTimeout))
                                .setSocketTimeout(Timeout.of(readTimeout))
                                .build())
                        .setMaxConnTotal(4 * connectionsPerHost)
                        .setMaxConnPerRoute(connectionsPerHost)
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

    /**
     * POSTs {@code body} with {@code headers} to {@code url} and answers whatever status comes back; at
     * most {@code maxAnswerBytes} of the answer are read, the rest is not waited for. The whole exchange
     * is cut at {@code deadline} (at most the fetcher's own) by dropping the connection.
     *
     * @throws UrlRefusedException when the policy refuses the URL or its host, or the request fails
     *                             or does not end by the deadline
     */
    public Answer post(String url, Map<String, String> headers, byte[] body, int maxAnswerBytes, Duration deadline) {
        URI uri = policy.check(url);
        Duration limit = deadline.compareTo(this.deadline) < 0 ? deadline : this.deadline;
        HttpPost post = new HttpPost(uri);
        headers.forEach(post::setHeader);
        post.setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON));
        post.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(limit)).setConnectionRequestTimeout(Timeout.of(limit))
                .setRedirectsEnabled(false).build());
        ScheduledFuture<?> cut = CUTTER.schedule(post::cancel, limit.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return http.execute(post, response -> answer(post, response, maxAnswerBytes));
        } catch (RefusedAddressException e) {
            throw new UrlRefusedException("the URL's host resolves to a " + e.category() + " address, which is not allowed");
        } catch (UnknownHostException e) {
            throw new UrlRefusedException("the URL's host does not resolve");
        } catch (InterruptedIOException e) {
            throw new UrlRefusedException("the URL's server did not answer in time");
        } catch (IOException e) {
            throw new UrlRefusedException(post.isCancelled() ? "the URL's server did not answer in time" : "the URL's server could not be reached");
        } finally {
            cut.cancel(false);
        }
    }

    private static Answer answer(HttpPost post, ClassicHttpResponse response, int maxAnswerBytes) throws IOException {
        HttpEntity entity = response.getEntity();
        byte[] start = new byte[0];
        if (entity != null) {
            try (InputStream in = entity.getContent()) {
                start = in.readNBytes(maxAnswerBytes);
                if (in.read() != -1) {
                    // the rest is not read; closing would drain it, which a hostile server can make endless
                    post.cancel();
                }
            }
        }
        return new Answer(response.getCode(), start);
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
