package com.comfyjobs.job;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.comfyjobs.testing.RedisAcl;
import com.comfyjobs.testing.SelfSignedTls;
import com.comfyjobs.testing.TcpProxy;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The store contract's smoke subset over {@code rediss://user:password@}: a TLS endpoint with a self-signed
 * certificate in front of one redis-server whose only user is an ACL user, as a managed Redis with
 * encryption in transit and RBAC is reached. Also what must fail: a wrong password, and a certificate
 * the client was not told to trust.
 */
@SmokeSubset
class RedisTlsJobStoreIT extends JobStoreContract {
    private static final String USER = "comfyjobs-app";
    private static final String PASSWORD = "p@ss:w0rd/with%odd{chars}";
    private static final AtomicInteger PREFIX = new AtomicInteger();
    private static RedisNode redis;
    private static SelfSignedTls tls;
    private static TcpProxy endpoint;

    @BeforeAll
    static void startRedis() {
        redis = RedisNode.standalone();
        RedisAcl.onlyUser(redis.uri(), USER, PASSWORD);
        tls = SelfSignedTls.create();
        endpoint = new TcpProxy(redis.uri(), tls.serverContext());
    }

    @AfterAll
    static void stopRedis() {
        endpoint.close();
        redis.close();
    }

    static URI url(String user, String password, URI endpoint) {
        return URI.create("rediss://" + RedisAcl.userInfo(user, password) + "@127.0.0.1:" + endpoint.getPort());
    }

    @Override
    protected JobStore newStore() {
        return RedisJobStore.connect(RedisSettings.of(url(USER, PASSWORD, endpoint.endpoint()), false)
                .withKeyPrefix("tls" + PREFIX.incrementAndGet()).withTlsCaFile(tls.caPem()));
    }

    @Test
    @Tag(SmokeSubset.TAG)
    void aWrongPasswordIsRefusedWithoutEchoingIt() {
        try (RedisJobStore store = RedisJobStore.connect(RedisSettings.of(url(USER, "not-the-password", endpoint.endpoint()), false)
                .withTlsCaFile(tls.caPem()))) {
            StateStoreUnavailableException e = assertThrows(StateStoreUnavailableException.class,
                    () -> store.findById("00000000-0000-4000-8000-000000000000"));
            assertFalse(String.valueOf(e.getMessage()).contains("not-the-password"), e.getMessage());
        }
    }

    @Test
    @Tag(SmokeSubset.TAG)
    void aCertificateNotTrustedIsRefused() {
        try (RedisJobStore store = RedisJobStore.connect(RedisSettings.of(url(USER, PASSWORD, endpoint.endpoint()), false))) {
            assertThrows(StateStoreUnavailableException.class, () -> store.findById("00000000-0000-4000-8000-000000000000"));
        }
    }
}
