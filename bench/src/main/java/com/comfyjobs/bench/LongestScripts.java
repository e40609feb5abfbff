package com.comfyjobs.bench;

import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.job.GraphUpdate;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobOutput;
import com.comfyjobs.job.JobType;
import com.comfyjobs.job.NewJob;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Transition;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.servers.RedisNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The longest a single script runs at the limits a request can reach: Redis runs one script at a
 * time, so this is how long one webhook can hold every other caller up. Measured on the server
 * (SLOWLOG, microseconds of execution), the median of several runs each on a fresh job. The raw limit
 * is a script that only decodes the same argument (cjson.decode of the same JSON) and returns: the
 * least any script taking that request must spend. Target: under 10 ms.
 */
final class LongestScripts {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DECODE_ONLY = "local s = cjson.decode(ARGV[1]) return 1";

    private LongestScripts() {
    }

    /** One worst case: how to prepare a job, the transition to time, and the JSON its script argument carries. */
    private record Case(String what, Function<String, Transition> prepareAndBuild, String argument) {
    }

    static List<Row> run(boolean quick) throws Exception {
        int max = ServiceSettings.defaults().maxOutputs();
        int runs = quick ? 5 : 15;
        List<Row> rows = new ArrayList<>();
        try (RedisNode redis = RedisNode.standalone()) {
            RedisConnection connection = new RedisConnection(RedisSettings.of(redis.uri(), false));
            RedisClient client = RedisClient.create(redis.uri().toString());
            try (RedisJobStore store = new RedisJobStore(connection, Clock.systemUTC());
                 StatefulRedisConnection<String, String> raw = client.connect()) {
                store.prime();
                RedisCommands<String, String> admin = raw.sync();
                admin.configSet("slowlog-log-slower-than", "0");
                admin.configSet("slowlog-max-len", "16");
                for (Case c : cases(store, max)) {
                    long[] ours = new long[runs];
                    long[] bare = new long[runs];
                    for (int i = 0; i < runs; i++) {
                        Transition t = c.prepareAndBuild().apply(newJob(store));
                        admin.slowlogReset();
                        store.transition(t);
                        ours[i] = slowest(admin, "evalsha");
                        admin.slowlogReset();
                        admin.eval(DECODE_ONLY, ScriptOutputType.INTEGER, new String[0], c.argument());
                        bare[i] = slowest(admin, "eval");
                    }
                    rows.add(new Row("webhook", "longest script: " + c.what(), "us", median(ours), median(bare),
                            "a script that only decodes the same argument", "target < 10,000 us"));
                }
                admin.configSet("slowlog-log-slower-than", "10000");
            } finally {
                client.shutdown();
            }
        }
        return rows;
    }

    private static List<Case> cases(RedisJobStore store, int max) {
        List<Case> cases = new ArrayList<>();
        // a job with half the cap stored gets an event that fills it: every stored output is read, every new one compared
        List<JobOutput> stored = outputs("s", max / 2, 20);
        List<JobOutput> filling = outputs("n", max - max / 2, 20);
        cases.add(new Case(max + " outputs after an executed event (the cap)", id -> {
            store.transition(Transition.of(id, now()).addOutputs(stored, max).build());
            return Transition.of(id, now()).eventId("evt-" + id, Duration.ofHours(1)).observed().addOutputs(filling, max).build();
        }, addOutputsJson(filling, max)));
        // one executed event of as many outputs as a job may keep, their names as long as fits the byte cap
        // (a larger event fails the job before the store sees its list)
        int nameLength = (JobOutput.LIST_MAX_BYTES - 2) / max - 48 - "9".length() - "output".length();
        List<JobOutput> widest = outputs("w", max, nameLength);
        cases.add(new Case("an executed event of " + max + " outputs, " + JobOutput.listBytes(widest) / 1024 + " KiB (both caps)",
                id -> Transition.of(id, now()).eventId("evt-" + id, Duration.ofHours(1)).observed().addOutputs(widest, max).build(),
                addOutputsJson(widest, max)));
        // a progress_state of a 5,000-node graph (the most SubmitRequest takes), ids of the longest kind, every node finished
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            String n = Integer.toString(i);
            nodes.add("n".repeat(Workflow.MAX_NODE_ID_CHARS - n.length()) + n);
        }
        cases.add(new Case("progress_state of a 5,000-node graph, 64-character ids", id -> Transition.of(id, now())
                .eventId("evt-" + id, Duration.ofHours(1)).observed().graph(GraphUpdate.finished(nodes)).build(),
                finishedJson(nodes)));
        return cases;
    }

    private static String newJob(RedisJobStore store) {
        String id = PromptIds.newJobId();
        Job j = Job.queued(id, "bench", JobType.IMAGE_GENERATION, now()).promptId(PromptIds.of(id, 1)).comfyServer("http://gpu-1:8188")
                .nodeCount(5000).build();
        store.create(new NewJob(j, BenchWorkflows.standard(), 1_000_000, null));
        return id;
    }

    private static List<JobOutput> outputs(String tag, int n, int nameLength) {
        List<JobOutput> out = new ArrayList<>();
        String pad = "x".repeat(Math.max(0, nameLength - tag.length() - "_00000_.png".length()));
        for (int i = 0; i < n; i++) {
            out.add(new JobOutput("9", tag + pad + String.format("_%05d_.png", i), "", "output"));
        }
        return out;
    }

    private static String addOutputsJson(List<JobOutput> outputs, int max) {
        ObjectNode s = JSON.createObjectNode();
        ArrayNode a = s.putArray("addOutputs");
        outputs.forEach(o -> a.addObject().put("node", o.node()).put("filename", o.filename()).put("subfolder", o.subfolder())
                .put("type", o.type()));
        s.put("maxOutputs", max);
        return s.toString();
    }

    private static String finishedJson(List<String> nodes) {
        ObjectNode s = JSON.createObjectNode();
        ArrayNode a = s.putObject("graph").putArray("finished");
        nodes.forEach(a::add);
        return s.toString();
    }

    /** The longest entry of this command in the slow log (every command is logged at threshold 0). */
    private static long slowest(RedisCommands<String, String> admin, String command) {
        long longest = 0;
        for (Object entry : admin.slowlogGet(16)) {
            List<?> e = (List<?>) entry;
            List<?> args = (List<?>) e.get(3);
            if (!args.isEmpty() && command.equalsIgnoreCase(String.valueOf(args.get(0)))) {
                longest = Math.max(longest, ((Number) e.get(2)).longValue());
            }
        }
        return longest;
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
