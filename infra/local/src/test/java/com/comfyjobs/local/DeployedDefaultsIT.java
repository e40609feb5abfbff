package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.testing.JobFixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The local stack with template.yaml's settings for who may submit raw workflows and where image URLs
 * may point (the local stack itself runs with RAW_WORKFLOWS=all and ALLOW_PRIVATE_URLS=true): a user
 * is refused a raw workflow, an admin is not; with RAW_WORKFLOWS=off nobody submits one; image and
 * callback URLs over http or to this machine's and private addresses are refused, and nothing reaches them.
 */
class DeployedDefaultsIT {
    private LocalStack stack;
    private Api api;

    private void start(String rawWorkflows) throws Exception {
        LocalStack.Options o = TestStacks.options("deployed-defaults-it");
        o.env.put("RAW_WORKFLOWS", rawWorkflows);
        o.env.put("ALLOW_PRIVATE_URLS", "false");
        stack = LocalStack.start(o);
        api = new Api(stack.apiUrl());
    }

    @AfterEach
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static JsonNode workflow() {
        return Api.json(JobFixtures.img2imgWorkflow("placeholder.png", 1).json());
    }

    private static JsonNode images(String url) {
        ObjectNode images = (ObjectNode) Api.json("{}");
        images.put("10.inputs.image", url);
        return images;
    }

    @Test
    void rawWorkflowsAreForAdminsAndImageUrlsMustBePublicHttps() throws Exception {
        start("admins");
        Api.Response user = api.submit("alice", Api.submitBody(1), null);
        assertEquals(403, user.status(), user.body().toString());
        assertEquals("application/problem+json", user.header("Content-Type"));
        assertEquals("Raw workflows not allowed", user.body().get("title").asText());
        Api.Response admin = api.submit("admin", Api.submitBody(2), null);
        assertEquals(202, admin.status(), admin.body().toString());

        List<String> reached = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            reached.add(exchange.getRequestURI().toString());
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        try {
            String port = ":" + server.getAddress().getPort();
            String[][] cases = {
                {"http://127.0.0.1" + port + "/a.png", "the URL must use https"},
                {"https://127.0.0.1" + port + "/a.png", "the URL's host is a loopback address, which is not allowed"},
                {"https://[::1]" + port + "/a.png", "the URL's host is a loopback address, which is not allowed"},
                {"https://localhost" + port + "/a.png", "the URL's host resolves to a loopback address, which is not allowed"},
                {"https://169.254.169.254/latest/meta-data/iam/security-credentials/", "the URL's host is a metadata address, which is not allowed"},
                {"https://10.0.0.1/a.png", "the URL's host is a private address, which is not allowed"},
                {"https://[fd00:ec2::254]/latest/meta-data/", "the URL's host is a metadata address, which is not allowed"},
            };
            for (String[] c : cases) {
                Api.Response r = api.submit("admin", workflow(), images(c[0]));
                assertEquals(400, r.status(), c[0] + ": " + r.body());
                assertEquals("Input image refused", r.body().get("title").asText());
                assertEquals("image \"10.inputs.image\": " + c[1], r.body().get("detail").asText(), c[0]);
            }
            assertEquals(List.of(), reached, "no request reached the loopback server");
        } finally {
            server.stop(0);
        }
        assertEquals(1, api.list("admin", null).body().get("jobs").size(), "only the admin's first job was stored");
    }

    @Test
    void callbackUrlsMustBePublicHttpsAndNothingIsStoredOrReached() throws Exception {
        start("all");
        try (com.comfyjobs.testing.CallbackReceiver receiver = com.comfyjobs.testing.CallbackReceiver.start()) {
            String port = receiver.url().substring("http://127.0.0.1".length(), receiver.url().indexOf("/hooks"));
            String[][] cases = {
                {receiver.url(), "the URL must use https"},
                {"https://127.0.0.1" + port + "/hooks/jobs", "the URL's host is a loopback address, which is not allowed"},
                {"https://[::1]" + port + "/hooks/jobs", "the URL's host is a loopback address, which is not allowed"},
                {"https://localhost" + port + "/hooks/jobs", "the URL's host resolves to a loopback address, which is not allowed"},
                {"https://169.254.169.254/latest/meta-data/", "the URL's host is a metadata address, which is not allowed"},
                {"https://192.168.1.1/hooks", "the URL's host is a private address, which is not allowed"},
                {"https://[fd00:ec2::254]/latest/meta-data/", "the URL's host is a metadata address, which is not allowed"},
                {"https://nothing-here.invalid/hooks", "the URL's host does not resolve"},
            };
            for (String[] c : cases) {
                Api.Response r = api.submit("alice", Api.submitBody(4, c[0]), null);
                assertEquals(400, r.status(), c[0] + ": " + r.body());
                assertEquals("Invalid webhook", r.body().get("title").asText());
                assertEquals("webhook.url: " + c[1], r.body().get("detail").asText(), c[0]);
            }
            assertEquals(List.of(), receiver.deliveries(), "no request reached the receiver");
        }
        assertEquals(0, api.list("alice", null).body().get("jobs").size(), "nothing stored");
    }

    @Test
    void withRawWorkflowsOffNobodySubmitsOne() throws Exception {
        start("off");
        for (String caller : List.of("alice", "admin")) {
            Api.Response r = api.submit(caller, Api.submitBody(3), null);
            assertEquals(403, r.status(), caller + ": " + r.body());
            assertTrue(r.body().get("detail").asText().contains("raw workflows are turned off"), r.body().toString());
        }
        assertTrue(stack.simulator().submittedPrompts().isEmpty());
    }
}
