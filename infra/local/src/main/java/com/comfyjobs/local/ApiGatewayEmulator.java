package com.comfyjobs.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.comfyjobs.functions.http.HttpResponses;
import com.comfyjobs.servers.LocalLambdaContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * API Gateway (HttpApi, payload format 2.0) on a local port: each request is matched against the
 * template's routes and handed to the route's handler as the event API Gateway would build, including
 * the JWT authorizer's claims in the request context.
 *
 * <p>The caller's identity comes from {@link CallerIdentities}, standing in for the JWT authorizer: in
 * the development stack the {@code X-Dev-User} header (anyone who can reach the port can be anyone,
 * an admin included: never expose it), under {@code serve} an API key. A route that needs a caller
 * and gets none is answered 401 problem+json before its function runs, as the authorizer would refuse
 * it; an admin carries the admin claim the functions read ({@link LocalAdmins}). X-Dev-User never
 * reaches a function.
 *
 * <p>A GET that no route takes may be one of the {@link StaticSite}'s files (the jobs page, /docs),
 * answered without identity since they hold no data; anything else is API Gateway's 404.
 */
public final class ApiGatewayEmulator implements AutoCloseable {
    public static final String DEV_USER_HEADER = "X-Dev-User";

    static {
        // The JDK server writes headers and body separately; with Nagle on, every answer waits ~40 ms for a delayed ACK.
        // Read once when the server classes load, so it must be set before the first server is created.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    private static final int MAX_BODY = 10 * 1024 * 1024;
    private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);

    private final HttpServer server;
    private final ExecutorService threads;
    private final List<TemplateRoutes.Route> routes;
    private final Map<String, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers;
    private final CallerIdentities identities;
    private final LocalAdmins admins;
    private final StaticSite site;
    private final Map<String, LongAdder> invocations = new ConcurrentHashMap<>();

    /** {@code site} answers the GETs no route takes: the jobs page and the API's documentation. */
    public ApiGatewayEmulator(String host, int port, List<TemplateRoutes.Route> routes,
                              Map<String, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers,
                              CallerIdentities identities, LocalAdmins admins, StaticSite site) throws IOException {
        this.routes = routes;
        this.site = site;
        this.handlers = handlers;
        this.identities = identities;
        this.admins = admins;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 128);
        this.threads = Executors.newFixedThreadPool(32, r -> {
            Thread t = new Thread(r, "local-api");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::serve);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Handler class (as template.yaml names it) to the invocations it served: what Lambda would bill. */
    public Map<String, Long> invocations() {
        Map<String, Long> counts = new TreeMap<>();
        invocations.forEach((handler, n) -> counts.put(handler, n.sum()));
        return counts;
    }

    private void serve(HttpExchange x) throws IOException {
        try (x) {
            String method = x.getRequestMethod().toUpperCase(Locale.ROOT);
            String rawPath = x.getRequestURI().getRawPath();
            String path = x.getRequestURI().getPath();
            for (TemplateRoutes.Route r : routes) {
                Map<String, String> params = r.method().equals(method) ? r.match(rawPath) : null;
                if (params != null) {
                    byte[] body = readBody(x.getRequestBody());
                    if (body == null) {
                        send(x, 413, Map.of("Content-Type", "application/json"), "{\"message\":\"Request Entity Too Large\"}".getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                    Optional<CallerIdentities.LocalCaller> caller = r.authorized()
                            ? identities.ofHttp(x.getRequestHeaders()::getFirst) : Optional.empty();
                    if (r.authorized() && caller.isEmpty()) {
                        respond(x, HttpResponses.problem(401, "Unauthorized", "the request carries no valid API key", null,
                                Map.of("WWW-Authenticate", "Bearer")));
                        return;
                    }
                    APIGatewayV2HTTPEvent event = event(x, r, path, params, body, caller.orElse(null));
                    invocations.computeIfAbsent(r.handler(), h -> new LongAdder()).increment();
                    APIGatewayV2HTTPResponse response = handlers.get(r.handler())
                            .handleRequest(event, new LocalLambdaContext(r.handler(), Duration.ofSeconds(29), 1024));
                    respond(x, response);
                    return;
                }
            }
            Optional<StaticSite.Asset> asset = method.equals("GET") || method.equals("HEAD") ? site.find(rawPath) : Optional.empty();
            if (asset.isPresent()) {
                serveAsset(x, method, asset.get());
                return;
            }
            send(x, 404, Map.of("Content-Type", "application/json"), "{\"message\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            // API Gateway answers 500 {"message":"Internal Server Error"} when the integration itself fails
            send(x, 500, Map.of("Content-Type", "application/json"), "{\"message\":\"Internal Server Error\"}".getBytes(StandardCharsets.UTF_8));
        }
    }

    private APIGatewayV2HTTPEvent event(HttpExchange x, TemplateRoutes.Route r, String path, Map<String, String> params, byte[] body,
                                        CallerIdentities.LocalCaller caller) {
        Map<String, String> headers = new HashMap<>();
        x.getRequestHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase(DEV_USER_HEADER)) {
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values));
            }
        });
        String rawQuery = x.getRequestURI().getRawQuery();
        Map<String, String> query = QueryStrings.parse(rawQuery);
        String contentType = headers.getOrDefault("content-type", "");
        boolean text = body.length == 0 || contentType.isEmpty() || contentType.contains("json") || contentType.startsWith("text/")
                || contentType.contains("xml") || contentType.contains("x-www-form-urlencoded");
        Instant now = Instant.now();
        var http = APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                .withMethod(r.method()).withPath(path).withProtocol("HTTP/1.1")
                .withSourceIp(x.getRemoteAddress().getAddress().getHostAddress())
                .withUserAgent(headers.getOrDefault("user-agent", "")).build();
        var context = APIGatewayV2HTTPEvent.RequestContext.builder()
                .withAccountId("000000000000").withApiId("local").withDomainName(headers.getOrDefault("host", "localhost"))
                .withDomainPrefix("local").withHttp(http).withRequestId(UUID.randomUUID().toString())
                .withRouteKey(r.routeKey()).withStage("$default").withTime(CLF.format(now)).withTimeEpoch(now.toEpochMilli());
        if (caller != null) {
            Map<String, String> claims = new HashMap<>(Map.of("sub", caller.user(), "iss", "comfyjobs-local"));
            if (caller.admin()) {
                claims.put(admins.claim(), admins.value());
            }
            var jwt = APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT.builder().withClaims(claims).withScopes(List.of()).build();
            context.withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder().withJwt(jwt).build());
        }
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0").withRouteKey(r.routeKey()).withRawPath(x.getRequestURI().getRawPath())
                .withRawQueryString(rawQuery == null ? "" : rawQuery)
                .withHeaders(headers)
                .withQueryStringParameters(query.isEmpty() ? null : query)
                .withPathParameters(params.isEmpty() ? null : params)
                .withRequestContext(context.build())
                .withBody(body.length == 0 ? null : text ? new String(body, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(body))
                .withIsBase64Encoded(!text)
                .build();
    }

    private static void serveAsset(HttpExchange x, String method, StaticSite.Asset a) throws IOException {
        Map<String, String> headers = StaticSite.headers(a);
        String ifNoneMatch = x.getRequestHeaders().getFirst("If-None-Match");
        if (ifNoneMatch != null && ifNoneMatch.contains(a.etag())) {
            headers.remove("Content-Type");
            send(x, 304, headers, new byte[0]);
        } else if (method.equals("HEAD")) {
            headers.forEach((k, v) -> x.getResponseHeaders().set(k, v));
            x.sendResponseHeaders(200, -1);
        } else {
            send(x, 200, headers, a.body());
        }
    }

    private static byte[] readBody(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY + 1);
        return body.length > MAX_BODY ? null : body;
    }

    private static void respond(HttpExchange x, APIGatewayV2HTTPResponse r) throws IOException {
        byte[] body = r.getBody() == null ? new byte[0]
                : r.getIsBase64Encoded() ? Base64.getDecoder().decode(r.getBody()) : r.getBody().getBytes(StandardCharsets.UTF_8);
        send(x, r.getStatusCode(), r.getHeaders() == null ? Map.of() : r.getHeaders(), body);
    }

    private static void send(HttpExchange x, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach((k, v) -> x.getResponseHeaders().set(k, v));
        x.sendResponseHeaders(status, status == 204 || body.length == 0 ? -1 : body.length);
        if (body.length > 0 && status != 204) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
