package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * infra/publish-templates against the local stack: it publishes a directory of templates, says what
 * each became, changes nothing when run again, and exits non-zero with the API's answer when one is
 * refused. Needs bash and curl; skipped without them.
 */
class PublishTemplatesScriptIT {
    private static LocalStack stack;
    private static Path script;
    private static Path shipped;

    /** What the script printed and how it ended. */
    private record Run(int exit, String out, String err) {
    }

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(onPath("bash") && onPath("curl"), "needs bash and curl");
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("infra/publish-templates"))) {
            root = root.getParent();
        }
        script = root.resolve("infra/publish-templates");
        shipped = root.resolve("infra/templates");
        stack = LocalStack.start(TestStacks.options("publish-script-it"));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    private static boolean onPath(String command) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + command).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Run run(Map<String, String> env, String dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), dir);
        pb.environment().remove("COMFYJOBS_TOKEN");
        pb.environment().remove("COMFYJOBS_DEV_USER");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("publish-out", ".txt");
        Path err = Files.createTempFile("publish-err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the script ended");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static Map<String, String> as(String user) {
        Map<String, String> env = new HashMap<>();
        env.put("COMFYJOBS_API", stack.apiUrl().toString());
        env.put("COMFYJOBS_DEV_USER", user);
        return env;
    }

    @Test
    void publishesADirectoryAndRunAgainChangesNothing() throws Exception {
        Path dir = Files.createTempDirectory("templates");
        Files.writeString(dir.resolve("fox-one.json"), Files.readString(shipped.resolve("txt2img.json"))
                .replace("\"description\": \"", "\"description\": \"Foxes. "), StandardCharsets.UTF_8);
        Files.copy(shipped.resolve("img2img.json"), dir.resolve("img2img.json"));

        Run first = run(as("admin"), dir.toString());
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().contains("fox-one: published as a new version"), first.out());
        assertTrue(first.out().contains("img2img: unchanged (200)"), "the local stack published it at start: " + first.out());

        Run again = run(as("admin"), dir.toString());
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("fox-one: unchanged (200)") && again.out().contains("\"version\":1"), again.out());
    }

    @Test
    void aRefusedTemplateEndsWithANonZeroExitAndTheApisAnswer() throws Exception {
        Run notAdmin = run(as("dev"), shipped.toString());
        assertEquals(1, notAdmin.exit());
        assertTrue(notAdmin.err().contains("refused with HTTP 403") && notAdmin.err().contains("only admins"), notAdmin.err());

        Path dir = Files.createTempDirectory("templates");
        Files.writeString(dir.resolve("broken.json"), "{\"workflow\": {}}");
        Files.writeString(dir.resolve("Bad Name.json"), Files.readString(shipped.resolve("txt2img.json")));
        Run refused = run(as("admin"), dir.toString());
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("broken: refused with HTTP 400"), refused.err());
        assertTrue(refused.err().contains("Bad Name: not published"), refused.err());
        assertEquals(404, new Api(stack.apiUrl()).template("dev", "broken").status());
    }

    @Test
    void withoutAnApiOrAnIdentityItSaysWhatIsMissing() throws Exception {
        Run noApi = run(Map.of(), shipped.toString());
        assertEquals(2, noApi.exit());
        assertTrue(noApi.err().contains("COMFYJOBS_API"), noApi.err());
        Run noIdentity = run(Map.of("COMFYJOBS_API", stack.apiUrl().toString()), shipped.toString());
        assertEquals(2, noIdentity.exit());
        assertTrue(noIdentity.err().contains("COMFYJOBS_TOKEN"), noIdentity.err());
        Run unreachable = run(Map.of("COMFYJOBS_API", "http://127.0.0.1:9", "COMFYJOBS_DEV_USER", "admin"), shipped.toString());
        assertEquals(1, unreachable.exit());
        assertTrue(unreachable.err().contains("the request to http://127.0.0.1:9 failed"), unreachable.err());
        assertFalse(unreachable.out().contains("published"));
    }
}
