package com.comfyjobs.job.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.resource.EpollProvider;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The client options that detect a dead connection, as lettuce will read them. */
class RedisConnectionOptionsTest {
    private final RedisSettings settings = RedisSettings.of(URI.create("redis://127.0.0.1:6379"), true)
            .withTopologyRefresh(Duration.ofSeconds(45));

    @Test
    void theClusterTopologyIsReadPeriodicallyBesidesTheAdaptiveTriggers() {
        ClusterTopologyRefreshOptions refresh = RedisConnection.clusterOptions(settings).getTopologyRefreshOptions();
        assertTrue(refresh.isPeriodicRefreshEnabled());
        assertEquals(Duration.ofSeconds(45), refresh.getRefreshPeriod());
        assertTrue(refresh.isCloseStaleConnections(), "connections to nodes that left the cluster are closed");
        assertEquals(EnumSet.allOf(ClusterTopologyRefreshOptions.RefreshTrigger.class), Set.copyOf(refresh.getAdaptiveRefreshTriggers()));
    }

    /** Lettuce's timer completes a command when its caller gives up, and only then is it never sent again. */
    @Test
    void lettuceTimesCommandsOutItselfAndNeverStretchesTheTimeout() {
        for (ClientOptions o : new ClientOptions[] {RedisConnection.clusterOptions(settings), RedisConnection.standaloneOptions(settings)}) {
            assertTrue(o.getTimeoutOptions().isTimeoutCommands());
            assertFalse(o.getMaintNotificationsConfig().maintNotificationsEnabled(), "maintenance would relax timeouts by 10 s");
        }
    }

    /** Lambda runs Linux on x86_64 or arm64; the epoll jars for both must be on the classpath. */
    @Test
    void onLinuxTheKernelDropsAHalfOpenSocketWithinSeconds() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        assumeTrue(os.contains("linux") && Set.of("amd64", "x86_64", "aarch64").contains(arch), "not a Lambda platform");
        assertTrue(EpollProvider.isAvailable(), "netty's epoll transport for " + arch + " is on the classpath");
        SocketOptions socket = RedisConnection.socketOptions(settings);
        assertTrue(socket.isEnableTcpUserTimeout());
        assertEquals(Duration.ofSeconds(25), socket.getTcpUserTimeout().getTcpUserTimeout());
        assertTrue(socket.isKeepAlive());
        assertEquals(Duration.ofSeconds(10), socket.getKeepAlive().getIdle());
        assertEquals(Duration.ofSeconds(5), socket.getKeepAlive().getInterval());
        assertEquals(3, socket.getKeepAlive().getCount());
        assertEquals(settings.connectTimeout(), socket.getConnectTimeout());
    }
}
