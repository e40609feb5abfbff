package com.comfyjobs.testing;

import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.time.Duration;

/**
 * ACL users on a test redis-server, as managed services give them (ElastiCache RBAC, Upstash): one
 * named user with a password, and the passwordless default user switched off, so a client that does
 * not authenticate as that user gets nothing.
 */
public final class RedisAcl {
    private RedisAcl() {
    }

    /**
     * {@code user} with {@code password}, every key, channel and command, on the server at {@code node}
     * (its plain, direct address), then the default user off.
     */
    public static void onlyUser(URI node, String user, String password) {
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> c = client.connect(RedisURI.create(node))) {
            c.sync().aclSetuser(user, AclSetuserArgs.Builder.on().addPassword(password).allKeys().allChannels().allCommands());
            c.sync().auth(user, password);
            c.sync().aclSetuser("default", AclSetuserArgs.Builder.off());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** {@code user:password} for a URL, each percent-encoded, so a password may hold any character. */
    public static String userInfo(String user, String password) {
        return encode(user) + ":" + encode(password);
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }
}
