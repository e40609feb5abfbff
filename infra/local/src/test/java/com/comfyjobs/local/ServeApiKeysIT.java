package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.simulator.ComfyUiSimulator;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * serve's callers over real HTTP and WebSocket, the stack built by {@link ServeCommand} in this process
 * in front of a simulated ComfyUI: a key from the file names the caller and whether it is an admin; no
 * key, an unknown one, or X-Dev-User alone is 401 problem+json before any function runs, and
 * X-Dev-User next to a key changes nothing.
 */
class ServeApiKeysIT {
    private static final String ALICE = "alice-key-0123456789abcdef";
    private static final String BOB = "bob-key-0123456789abcdef";
    private static final String ROOT = "root-key-0123456789abcdef";

    private static ComfyUiSimulator comfyUi;
    private static LocalStack stack;
    private static Api api;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("serve-keys-");
        comfyUi = ComfyUiSimulator.builder().host("127.0.0.1").port(0).stepMillis(5)
                .outputDir(Files.createDirectories(dir.resolve("gpu-box-output"))).build().start();
        Files.writeString(dir.resolve("keys"), ALICE + " alice\n" + BOB + " bob\n" + ROOT + " root admin\n");
        ServeCommand.Plan plan = ServeCommand.plan(new String[] {"--comfyui", comfyUi.baseUrl(), "--api-keys", dir.resolve("keys").toString(),
            "--data-dir", dir.resolve("data").toString(), "--host", "127.0.0.1", "--port", "0", "--ws-port", "0", "--recovery-every", "1h"},
                Map.of());
        stack = LocalStack.start(plan.options());
        api = Api.withKeys(stack.apiUrl(), Map.of("alice", ALICE, "bob", BOB, "root", ROOT));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        if (comfyUi != null) {
            comfyUi.close();
        }
    }

    private static HttpRequest.Builder post(String authorization, String devUser) {
        HttpRequest.Builder b = api.request("/jobs", null).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Api.submitBody(1)));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (devUser != null) {
            b.header(ApiGatewayEmulator.DEV_USER_HEADER, devUser);
        }
        return b;
    }

    @Test
    void noKeyAnUnknownKeyOrXDevUserAloneIs401ProblemJsonAndSubmitsNothing() {
        int before = comfyUi.submittedPrompts().size();
        List<Api.Response> refused = new ArrayList<>();
        refused.add(api.raw(post(null, null)));
        refused.add(api.raw(post(null, "root")));
        refused.add(api.raw(post("Bearer not-a-key-of-this-file", "root")));
        refused.add(api.raw(post("Bearer " + ROOT.substring(1), null)));
        refused.add(api.raw(post("Basic " + ROOT, null)));
        refused.add(api.raw(api.request("/jobs", null).GET()));
        for (Api.Response r : refused) {
            assertEquals(401, r.status(), r.body().toString());
            assertEquals("application/problem+json", r.header("Content-Type"));
            assertEquals("Bearer", r.header("WWW-Authenticate"));
            assertEquals(401, r.body().get("status").asInt());
            assertTrue(!r.body().toString().contains(ROOT.substring(1)), r.body().toString());
        }
        assertEquals(before, comfyUi.submittedPrompts().size());
    }

    @Test
    void theAdminWordOfTheFileMakesAnAdminAndXDevUserBesideAKeyChangesNothing() {
        Api.Response byRoot = api.submit("root", Api.submitBody(2), null);
        assertEquals(202, byRoot.status(), byRoot.body().toString());
        assertEquals(403, api.submit("alice", Api.submitBody(3), null).status(), "raw workflows are for admins under serve");
        assertEquals(403, api.raw(post("Bearer " + ALICE, "root")).status(), "X-Dev-User does not make alice root");
        String job = byRoot.body().get("jobId").asText();
        assertEquals(200, api.get("root", job).status());
        assertEquals(404, api.raw(api.request("/jobs/" + job, null).header("Authorization", "Bearer " + BOB)
                .header(ApiGatewayEmulator.DEV_USER_HEADER, "root").GET()).status(), "bob naming root in X-Dev-User still is bob");
    }

    @Test
    void theWebSocketTakesTheKeyAsTokenAndRefusesAnythingElseWith401() throws Exception {
        LinkedBlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
        WebSocket alice = connect("?token=" + ALICE, inbox).get(10, TimeUnit.SECONDS);
        alice.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        for (String query : List.of("", "?user=alice", "?token=" + ALICE.substring(1), "?user=root&token=unknown-unknown-unknown")) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> connect(query, inbox).get(10, TimeUnit.SECONDS), query);
            assertTrue(e.getCause() instanceof WebSocketHandshakeException h && h.getResponse().statusCode() == 401, query + ": " + e.getCause());
        }
    }

    private static CompletableFuture<WebSocket> connect(String query, LinkedBlockingQueue<JsonNode> inbox) {
        return HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(stack.webSocketUrl() + query), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                inbox.add(Api.json(data.toString()));
                w.request(1);
                return null;
            }
        });
    }
}
