package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.comfyjobs.config.Env;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import io.lettuce.core.AclSetuserArgs;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Redis given by its parts (REDIS_HOST, REDIS_PORT, REDIS_USERNAME, REDIS_PASSWORD) reaches a server
 * that requires an ACL user, with a password holding the characters a URL would otherwise break on.
 */
class RedisAclUserIT {
    private static final String PASSWORD = "p@ss:w/rd% #é?&=";

    @Test
    void anAclUserWithAnyPasswordConnectsAndAWrongOneIsAnOutageNotAnAnswer() {
        try (RedisNode node = RedisNode.standalone()) {
            try (RedisConnection admin = new RedisConnection(RedisSettings.of(node.uri(), false))) {
                admin.await(admin.commands().aclSetuser("comfyjobs", AclSetuserArgs.Builder.on()
                        .addPassword(PASSWORD).allKeys().allCommands()));
                admin.await(admin.commands().aclSetuser("default", AclSetuserArgs.Builder.off()));
            }
            Map<String, String> vars = new HashMap<>(Map.of("REDIS_HOST", node.uri().getHost(), "REDIS_PORT",
                    Integer.toString(node.uri().getPort()), "REDIS_USERNAME", "comfyjobs", "REDIS_PASSWORD", PASSWORD));
            try (RedisConnection redis = new RedisConnection(RedisSettings.fromEnv(new Env(vars)))) {
                redis.await(redis.commands().set("k", "v"));
                assertEquals("comfyjobs", redis.await(redis.commands().aclWhoami()));
            }
            vars.put("REDIS_PASSWORD", PASSWORD + "x");
            try (RedisConnection wrong = new RedisConnection(RedisSettings.fromEnv(new Env(vars)))) {
                assertThrows(StateStoreUnavailableException.class, () -> wrong.await(wrong.commands().get("k")));
            }
        }
    }
}
