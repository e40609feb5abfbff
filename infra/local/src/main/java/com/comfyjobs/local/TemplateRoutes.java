package com.comfyjobs.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What template.yaml deploys, read the way API Gateway and EventBridge Scheduler would use it: each
 * HttpApi route with its handler class and whether the JWT authorizer guards it, each schedule with
 * its handler and rate, and each route of the WebSocket API ($connect, $default, $disconnect) with the
 * handler its integration invokes. The local stack serves exactly these, so it cannot drift from the
 * template.
 */
public record TemplateRoutes(List<Route> routes, List<Schedule> schedules, List<WebSocketRoute> webSocketRoutes) {

    /** A route of the WebSocket API: its route key and the handler of the function its integration invokes. */
    public record WebSocketRoute(String routeKey, String handler) {
    }

    public record Route(String method, String path, String handler, boolean authorized) {
        /** The route key API Gateway puts in routeKey, e.g. "GET /jobs/{jobId}". */
        public String routeKey() {
            return method + " " + path;
        }

        /** Path parameters when {@code rawPath} matches this route, else null. */
        public Map<String, String> match(String rawPath) {
            List<String> names = new ArrayList<>();
            Matcher m = Pattern.compile("\\{([^}]+)}").matcher(path);
            StringBuilder regex = new StringBuilder();
            int last = 0;
            while (m.find()) {
                regex.append(Pattern.quote(path.substring(last, m.start()))).append("([^/]+)");
                names.add(m.group(1));
                last = m.end();
            }
            regex.append(Pattern.quote(path.substring(last)));
            Matcher p = Pattern.compile(regex.toString()).matcher(rawPath);
            if (!p.matches()) {
                return null;
            }
            Map<String, String> params = new java.util.LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                params.put(names.get(i), java.net.URLDecoder.decode(p.group(i + 1), java.nio.charset.StandardCharsets.UTF_8));
            }
            return params;
        }
    }

    public record Schedule(String name, String handler, Duration rate) {
    }

    private static final Pattern INTEGRATION = Pattern.compile("integrations/\\$\\{(\\w+)}");
    private static final Pattern INVOKED = Pattern.compile(".*/functions/\\$\\{(\\w+)(?:\\.Alias)?}/invocations");

    private static final Pattern RATE = Pattern.compile("rate\\((\\d+) (minute|minutes|hour|hours|second|seconds)\\)");

    /** template.yaml in the working directory when there is one (a checkout), else the copy in the jar. */
    public static TemplateRoutes load() {
        Path local = Path.of("template.yaml");
        try (InputStream in = Files.exists(local) ? Files.newInputStream(local)
                : TemplateRoutes.class.getResourceAsStream("/comfyjobs/template.yaml")) {
            if (in == null) {
                throw new IllegalStateException("template.yaml is neither in the working directory nor in the jar");
            }
            return parse(new ObjectMapper(new YAMLFactory()).readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TemplateRoutes parse(JsonNode template) {
        boolean defaultAuth = !template.path("Resources").path("Api").path("Properties").path("Auth")
                .path("DefaultAuthorizer").asText("").isEmpty();
        List<Route> routes = new ArrayList<>();
        List<Schedule> schedules = new ArrayList<>();
        List<WebSocketRoute> webSocket = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> resources = template.path("Resources").fields();
        while (resources.hasNext()) {
            Map.Entry<String, JsonNode> r = resources.next();
            if ("AWS::ApiGatewayV2::Route".equals(r.getValue().path("Type").asText())) {
                webSocket.add(webSocketRoute(template, r.getKey(), r.getValue().path("Properties")));
                continue;
            }
            if (!"AWS::Serverless::Function".equals(r.getValue().path("Type").asText())) {
                continue;
            }
            JsonNode props = r.getValue().path("Properties");
            String handler = props.path("Handler").asText();
            for (JsonNode e : props.path("Events")) {
                JsonNode p = e.path("Properties");
                switch (e.path("Type").asText()) {
                    case "HttpApi" -> {
                        boolean open = "NONE".equals(p.path("Auth").path("Authorizer").asText());
                        routes.add(new Route(p.path("Method").asText().toUpperCase(Locale.ROOT), p.path("Path").asText(), handler,
                                defaultAuth && !open));
                    }
                    case "ScheduleV2", "Schedule" -> schedules.add(new Schedule(r.getKey(), handler, rate(p.path("ScheduleExpression").asText())));
                    default -> throw new IllegalStateException("the local stack cannot run event type " + e.path("Type").asText());
                }
            }
        }
        return new TemplateRoutes(List.copyOf(routes), List.copyOf(schedules), List.copyOf(webSocket));
    }

    /** Route, to its integration, to the function it invokes, to that function's handler. */
    private static WebSocketRoute webSocketRoute(JsonNode template, String name, JsonNode route) {
        Matcher target = INTEGRATION.matcher(route.path("Target").asText());
        if (!target.matches()) {
            throw new IllegalStateException("WebSocket route " + name + " targets no integration of the template");
        }
        String uri = template.path("Resources").path(target.group(1)).path("Properties").path("IntegrationUri").asText();
        Matcher function = INVOKED.matcher(uri);
        if (!function.matches()) {
            throw new IllegalStateException("integration " + target.group(1) + " invokes no function of the template: " + uri);
        }
        String handler = template.path("Resources").path(function.group(1)).path("Properties").path("Handler").asText();
        if (handler.isEmpty()) {
            throw new IllegalStateException("function " + function.group(1) + " of WebSocket route " + name + " has no handler");
        }
        return new WebSocketRoute(route.path("RouteKey").asText(), handler);
    }

    static Duration rate(String expression) {
        Matcher m = RATE.matcher(expression);
        if (!m.matches()) {
            throw new IllegalStateException("the local stack understands rate(N unit) schedules only, not " + expression);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "second", "seconds" -> Duration.ofSeconds(n);
            case "minute", "minutes" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
