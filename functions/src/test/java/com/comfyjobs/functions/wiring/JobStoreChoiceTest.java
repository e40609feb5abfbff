package com.comfyjobs.functions.wiring;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.memory.InMemoryJobStore;
import io.micronaut.context.ApplicationContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The factory's Redis store is for JOB_STORE_TYPE=redis only: a context whose process chose another
 * store and registered none gets no Redis store in its place, and one that registered its store gets
 * that store.
 */
class JobStoreChoiceTest {
    @Test
    void anotherStoreTypeWithoutItsStoreIsRefusedNamingTheVariable() {
        for (String type : new String[] {"memory", "sqlite"}) {
            try (ApplicationContext ctx = ApplicationContext.builder().singletons(new Env(Map.of("JOB_STORE_TYPE", type,
                    "REDIS_URL", "redis://127.0.0.1:9"))).start()) {
                RuntimeException e = assertThrows(RuntimeException.class, () -> ctx.getBean(JobStore.class));
                Throwable cause = e;
                while (!(cause instanceof ConfigException) && cause.getCause() != null) {
                    cause = cause.getCause();
                }
                assertTrue(cause instanceof ConfigException && cause.getMessage().startsWith("JOB_STORE_TYPE is " + type), String.valueOf(e));
            }
        }
    }

    @Test
    void aRegisteredStoreServesWhateverTheType() {
        InMemoryJobStore store = new InMemoryJobStore();
        try (ApplicationContext ctx = ApplicationContext.builder().singletons(new Env(Map.of("JOB_STORE_TYPE", "memory")), store).start()) {
            assertSame(store, ctx.getBean(JobStore.class));
        }
    }
}
