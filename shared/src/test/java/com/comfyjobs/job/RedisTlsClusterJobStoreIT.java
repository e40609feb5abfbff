package com.comfyjobs.job;

import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.RedisAcl;
import com.comfyjobs.testing.RedisClusterNodes;
import com.comfyjobs.testing.SelfSignedTls;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract's smoke subset on a three-master Redis Cluster reached only over TLS with an ACL user
 * ({@code rediss://user:password@} and REDIS_CLUSTER=true), the way every default deployment reaches
 * ElastiCache Serverless: each node behind a TLS endpoint it announces, so the client follows the
 * cluster's own topology over TLS and authenticates on every node it discovers.
 */
@SmokeSubset
class RedisTlsClusterJobStoreIT extends JobStoreContract {
    private static final String USER = "comfyjobs-app";
    private static final String PASSWORD = "cluster-secret-0a1b2c";
    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static SelfSignedTls tls;
    private static RedisClusterNodes cluster;

    @BeforeAll
    static void startCluster() {
        tls = SelfSignedTls.create();
        cluster = RedisClusterNodes.behindTlsProxies(3, tls.serverContext());
        for (RedisNode n : cluster.nodes()) {
            RedisAcl.onlyUser(n.uri(), USER, PASSWORD);
        }
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    @Override
    protected JobStore newStore() {
        return RedisJobStore.connect(RedisSettings.of(RedisTlsJobStoreIT.url(USER, PASSWORD, cluster.uri()), true)
                .withKeyPrefix("tlsc" + PREFIX.incrementAndGet()).withTlsCaFile(tls.caPem()));
    }
}
