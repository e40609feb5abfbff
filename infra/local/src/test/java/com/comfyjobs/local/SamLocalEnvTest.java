package com.comfyjobs.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * events/env.json against template.yaml: SAM overrides only the variables a function declares and
 * silently drops the rest, so the file must name exactly the template's variables, and where the
 * template sets a plain value the file gives the same one unless it is one of the few a local run
 * must change.
 */
class SamLocalEnvTest {
    /** Variables whose local value differs from the template's plain one, and why. */
    private static final Map<String, String> LOCAL_VALUES = Map.of(
            "S3_ENDPOINT", "S3Proxy of the local stack",
            "WEBHOOK_SECRET", "the secret the event files are signed with; in AWS from WEBHOOK_SECRET_ARN",
            "CALLBACK_SECRETS_KEY", "in AWS from CALLBACK_SECRETS_KEY_ARN",
            "METRICS_ENABLED", "no CloudWatch to take EMF lines locally");
    private static Path root;
    private static Map<String, JsonNode> declared;
    /** Variables the template sets by an intrinsic function (Jackson reads {@code !Ref X} as plain X, so they are found in the text). */
    private static Set<String> computed;
    private static SamLocalEnv env;

    @BeforeAll
    static void load() throws IOException {
        root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("template.yaml"))) {
            root = root.getParent();
        }
        JsonNode template = new ObjectMapper(new YAMLFactory()).readTree(root.resolve("template.yaml").toFile());
        declared = new TreeMap<>();
        template.path("Globals").path("Function").path("Environment").path("Variables").fields()
                .forEachRemaining(e -> declared.put(e.getKey(), e.getValue()));
        template.path("Resources").fields().forEachRemaining(r -> {
            if ("AWS::Serverless::Function".equals(r.getValue().path("Type").asText())) {
                r.getValue().path("Properties").path("Environment").path("Variables").fields()
                        .forEachRemaining(e -> declared.putIfAbsent(e.getKey(), e.getValue()));
            }
        });
        computed = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\s+([A-Z][A-Z0-9_]+): !").matcher(Files.readString(root.resolve("template.yaml")));
        while (m.find()) {
            computed.add(m.group(1));
        }
        env = SamLocalEnv.read(root.resolve("events/env.json"));
    }

    @Test
    void theFileNamesExactlyTheVariablesTheTemplateDeclares() {
        assertTrue(declared.size() > 40, "template read: " + declared.keySet());
        Set<String> missing = new TreeSet<>(declared.keySet());
        missing.removeAll(env.parameters().keySet());
        assertEquals(Set.of(), missing, "declared in template.yaml but not given by events/env.json");
        Set<String> dropped = new TreeSet<>(env.parameters().keySet());
        dropped.removeAll(declared.keySet());
        assertEquals(Set.of(), dropped, "in events/env.json but declared by no function: SAM would drop it silently");
    }

    @Test
    void plainTemplateValuesAreKeptSaveTheLocalOnes() {
        assertTrue(computed.contains("REDIS_URL") && computed.contains("WEBSOCKET_ENDPOINT"), computed.toString());
        Map<String, String> differ = new TreeMap<>();
        declared.forEach((name, value) -> {
            if (value.isValueNode() && !computed.contains(name) && !LOCAL_VALUES.containsKey(name) && !value.asText().equals(env.parameters().get(name))) {
                differ.put(name, value.asText() + " in template.yaml, " + env.parameters().get(name) + " in events/env.json");
            }
        });
        assertEquals(Map.of(), differ);
    }

    @Test
    void theLocalStackStartsWhereTheFilePointsTheFunctions() {
        LocalStack.Options o = new LocalStack.Options();
        env.applyTo(o);
        assertEquals(6390, o.redisPort);
        assertEquals(9010, o.s3Port);
        assertEquals(8190, o.simulatorPort);
        assertEquals(3001, o.webSocketPort);
        assertEquals(env.required("WEBHOOK_SECRET"), o.env.get("WEBHOOK_SECRET"));
        assertEquals(env.required("REDIS_KEY_PREFIX"), o.env.get("REDIS_KEY_PREFIX"));
        assertEquals(LocalStack.LOCAL_BUCKET, env.required("ARTIFACT_BUCKET"));
    }

    @Test
    void aFileThatCannotWorkIsRefusedNamingTheVariable(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("env.json");
        Files.writeString(file, "{\"Parameters\": {\"REDIS_URL\": \"redis://host.docker.internal:6390\"}}");
        ConfigException e = assertThrows(ConfigException.class, () -> SamLocalEnv.read(file).applyTo(new LocalStack.Options()));
        assertTrue(e.getMessage().contains("REDIS_URL"), e.getMessage());
        Files.writeString(file, "[]");
        assertTrue(assertThrows(ConfigException.class, () -> SamLocalEnv.read(file)).getMessage().contains("Parameters"));
    }
}
