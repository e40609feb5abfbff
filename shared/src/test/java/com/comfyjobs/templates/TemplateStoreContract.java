package com.comfyjobs.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The TemplateStore contract: every store runs exactly these tests. Subclasses only say how to make a
 * fresh, empty store.
 */
public abstract class TemplateStoreContract {
    protected TemplateStore store;

    /** A new store that shares no data with any other test's store. */
    protected abstract TemplateStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
    }

    private static String body(String text) {
        return "{\"description\":\"" + text + "\"}";
    }

    private PublishResult publish(String name, String text) {
        return store.publish(name, body(text), "sha-" + text, UUID.randomUUID().toString());
    }

    private static PublishResult published(int version) {
        return new PublishResult(PublishResult.Outcome.PUBLISHED, version);
    }

    @Test
    void eachNewBodyIsTheNextVersionAndEveryVersionStaysReadable() {
        assertEquals(published(1), publish("t", "a"));
        assertEquals(published(2), publish("t", "b"));
        assertEquals(published(3), publish("t", "c"));
        assertEquals(Optional.of(new StoredTemplate("t", 3, body("c"))), store.latest("t"));
        assertEquals(Optional.of(new StoredTemplate("t", 1, body("a"))), store.version("t", 1));
        assertEquals(Optional.of(new StoredTemplate("t", 2, body("b"))), store.version("t", 2));
        assertTrue(store.version("t", 4).isEmpty());
        assertTrue(store.version("t", 0).isEmpty());
    }

    @Test
    void theSameBodyAgainAnswersTheVersionItHas() {
        publish("t", "a");
        assertEquals(new PublishResult(PublishResult.Outcome.UNCHANGED, 1), publish("t", "a"));
        assertEquals(new PublishResult(PublishResult.Outcome.UNCHANGED, 1), publish("t", "a"));
        assertEquals(1, store.latest("t").orElseThrow().version());
    }

    @Test
    void theBodyOfAnOlderVersionIsANewVersion() {
        publish("t", "a");
        publish("t", "b");
        assertEquals(published(3), publish("t", "a"), "publishing a back makes it the latest again");
        assertEquals(body("a"), store.latest("t").orElseThrow().body());
    }

    @Test
    void aPublishSentAgainWithItsOpIdAnswersTheVersionItMade() {
        String op = UUID.randomUUID().toString();
        assertEquals(published(1), store.publish("t", body("a"), "sha-a", op));
        assertEquals(published(1), store.publish("t", body("a"), "sha-a", op), "the same publish, not an unchanged one");
        assertEquals(1, store.latest("t").orElseThrow().version());
        assertEquals(new PublishResult(PublishResult.Outcome.UNCHANGED, 1), publish("t", "a"), "another request with the same body");
    }

    @Test
    void retiringHidesTheTemplateFromReadsAndListing() {
        publish("t", "a");
        publish("t", "b");
        publish("u", "a");
        assertTrue(store.retire("t"));
        assertTrue(store.latest("t").isEmpty());
        assertTrue(store.version("t", 1).isEmpty(), "no version of a retired template serves new jobs");
        assertEquals(List.of("u"), store.list().stream().map(StoredTemplate::name).toList());
        assertTrue(store.retire("t"), "retiring again changes nothing and is no error");
    }

    @Test
    void aTemplateNeverPublishedIsNotFoundAndCannotBeRetired() {
        assertTrue(store.latest("nope").isEmpty());
        assertTrue(store.version("nope", 1).isEmpty());
        assertFalse(store.retire("nope"));
        assertTrue(store.list().isEmpty());
    }

    @Test
    void publishingARetiredTemplateAgainIsTheNextVersionEvenWithTheSameBody() {
        publish("t", "a");
        store.retire("t");
        assertEquals(published(2), publish("t", "a"));
        assertEquals(Optional.of(new StoredTemplate("t", 2, body("a"))), store.latest("t"));
        assertEquals(body("a"), store.version("t", 1).orElseThrow().body(), "the old version is readable again");
        assertEquals(List.of("t"), store.list().stream().map(StoredTemplate::name).toList());
    }

    @Test
    void listingGivesTheLatestVersionOfEachTemplate() {
        publish("a", "1");
        publish("a", "2");
        publish("b", "1");
        Set<StoredTemplate> all = new java.util.HashSet<>(store.list());
        assertEquals(Set.of(new StoredTemplate("a", 2, body("2")), new StoredTemplate("b", 1, body("1"))), all);
    }

    @Test
    void namesDoNotShareVersions() {
        publish("a", "1");
        publish("a", "2");
        assertEquals(published(1), publish("a-b", "1"));
        assertEquals(published(1), publish("a_b", "1"));
    }

    @Test
    void concurrentPublishesOfDifferentBodiesGetDistinctConsecutiveVersions() throws Exception {
        int threads = 8;
        int each = 5;
        List<Integer> versions = concurrently(threads, i -> () -> {
            List<Integer> mine = new ArrayList<>();
            for (int k = 0; k < each; k++) {
                PublishResult r = publish("busy", "body-" + i + "-" + k);
                assertTrue(r.published());
                mine.add(r.version());
            }
            return mine;
        }).stream().flatMap(List::stream).toList();
        assertEquals(IntStream.rangeClosed(1, threads * each).boxed().collect(Collectors.toCollection(TreeSet::new)), new TreeSet<>(versions));
        assertEquals(threads * each, versions.size());
        assertEquals(threads * each, store.latest("busy").orElseThrow().version());
    }

    @Test
    void concurrentPublishesOfTheSameBodyGetOneVersion() throws Exception {
        List<PublishResult> results = concurrently(16, i -> () -> publish("same", "one-body"));
        assertEquals(1, results.stream().filter(PublishResult::published).count(), results.toString());
        assertTrue(results.stream().allMatch(r -> r.version() == 1), results.toString());
        assertEquals(1, store.latest("same").orElseThrow().version());
    }

    /** Runs one task per thread, all released at once, and answers their results. */
    private static <T> List<T> concurrently(int threads, java.util.function.IntFunction<Callable<T>> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<T> t = task.apply(i);
                futures.add(pool.submit(() -> {
                    start.await();
                    return t.call();
                }));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
