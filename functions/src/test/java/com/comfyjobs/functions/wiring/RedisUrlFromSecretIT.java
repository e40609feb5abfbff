package com.comfyjobs.functions.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.Env;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.secrets.Secrets;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.FakeSecretsManager;
import com.comfyjobs.testing.JobFixtures;
import io.micronaut.context.ApplicationContext;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Redis URL in a secret, as the functions use it: read at init, and read again for the connection
 * a copy restored from a SnapStart snapshot opens, so a URL rotated since the version was published
 * (a new password, a moved database) is the one used.
 */
class RedisUrlFromSecretIT {
    private static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:comfyjobs-redis-AbCdEf";

    @Test
    void aCopyRestoredFromASnapshotConnectsWithTheUrlTheSecretHoldsNow() {
        try (RedisNode first = RedisNode.standalone(); RedisNode second = RedisNode.standalone(); FakeSecretsManager sm = FakeSecretsManager.start()) {
            sm.put(ARN, "{\"url\": \"" + first.uri() + "\"}");
            Env env = new Env(Map.of("REDIS_URL_SECRET_ARN", ARN, "REDIS_SHARDS", "4"));
            try (Secrets secrets = new Secrets(env, Clock.systemUTC(), sm::reader);
                 ApplicationContext context = ApplicationContext.builder().singletons(env, secrets).start()) {
                RedisJobStore store = (RedisJobStore) context.getBean(JobStore.class);
                Job onFirst = store.create(JobFixtures.newJob("u", JobFixtures.now())).job();

                sm.put(ARN, "{\"url\": \"" + second.uri() + "\"}");
                assertTrue(store.findById(onFirst.id()).isPresent(), "the open connection stays where it is");
                new SnapStartHooks(store).beforeCheckpoint(null);
                new SnapStartHooks(secrets).afterRestore(null);
                assertTrue(store.findById(onFirst.id()).isEmpty(), "after the restore the store reads the rotated URL's Redis");
                Job onSecond = store.create(JobFixtures.newJob("u", JobFixtures.now())).job();
                assertEquals(2, sm.reads(ARN));
                try (RedisJobStore direct = RedisJobStore.connect(RedisSettings.of(second.uri(), false).withShards(4))) {
                    assertTrue(direct.findById(onSecond.id()).isPresent());
                }
            }
        }
    }
}
