package com.comfyjobs.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.comfyjobs.job.Job;
import com.comfyjobs.testing.JobFixtures;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the jar Lambda runs holds of ours: the functions and the shared module, nothing that only tests
 * or the local stack use, and not the in-memory or SQLite stores (a store per container would lose jobs
 * and templates between functions). Whether the jar then starts is FreshContainerIT's part.
 */
class LambdaJarIT {
    private static final String IN_MEMORY_STORE = "com/comfyjobs/job/memory/";
    private static final String IN_MEMORY_TEMPLATES = "com/comfyjobs/templates/memory/";
    private static final String IN_MEMORY_CONNECTIONS = "com/comfyjobs/live/memory/";
    private static Set<String> jar;

    @BeforeAll
    static void open() throws IOException {
        jar = LambdaJar.classesIn(LambdaJar.path());
    }

    @ParameterizedTest
    @ValueSource(strings = {"com/comfyjobs/testing/", "com/comfyjobs/servers/", "com/comfyjobs/simulator/", "com/comfyjobs/local/",
        IN_MEMORY_STORE, IN_MEMORY_TEMPLATES, IN_MEMORY_CONNECTIONS})
    void holdsNothingOf(String prefix) {
        assertEquals(List.of(), jar.stream().filter(c -> c.startsWith(prefix)).sorted().toList());
    }

    /**
     * The SQLite store and its driver live in their own module, which only the local stack and the
     * benchmarks take: nothing of either, not the driver's native libraries, reaches the jar Lambda
     * runs (the functions refuse JOB_STORE_TYPE=sqlite at init as well).
     */
    @Test
    void holdsNothingOfSqlite() throws IOException {
        assertEquals(List.of(), LambdaJar.entriesIn(LambdaJar.path()).stream()
                .filter(e -> e.toLowerCase(Locale.ROOT).contains("sqlite")).sorted().toList());
    }

    @Test
    void holdsNoTestClass() throws IOException {
        Set<String> tests = new HashSet<>(LambdaJar.classesIn(LambdaJar.moduleOf(LambdaJarIT.class)));
        tests.addAll(LambdaJar.classesIn(LambdaJar.moduleOf(JobFixtures.class)));
        assertEquals(List.of(), jar.stream().filter(tests::contains).sorted().toList());
    }

    @Test
    void holdsEveryClassOfTheFunctionsAndTheSharedModuleButTheInMemoryStores() throws IOException {
        Set<String> expected = new TreeSet<>(LambdaJar.classesIn(LambdaJar.moduleOf(GetJobHandler.class)));
        expected.addAll(LambdaJar.classesIn(LambdaJar.moduleOf(Job.class)));
        expected.removeIf(c -> c.startsWith(IN_MEMORY_STORE) || c.startsWith(IN_MEMORY_TEMPLATES) || c.startsWith(IN_MEMORY_CONNECTIONS));
        Set<String> ours = new TreeSet<>(jar);
        ours.removeIf(c -> !c.startsWith("com/comfyjobs/"));
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(ours);
        Set<String> unexpected = new TreeSet<>(ours);
        unexpected.removeAll(expected);
        assertEquals(Set.of(), missing, "missing from the jar");
        assertEquals(Set.of(), unexpected, "in the jar, from neither module's main classes");
    }
}
