package com.comfyjobs.bench;

/** How to read the results; appended to docs/benchmarks.md. */
final class Notes {
    static final String TEXT = """
            ## How each row is measured

            - **webhook**: JMH, SampleTime. `ours` is `WebhookService.handle`: parse the body, verify the Standard
              Webhooks signature (HMAC-SHA256 over id, timestamp and body), one guarded transition (one EVALSHA).
              `bare` is an EVALSHA of the same `transition.lua` with the same kind of arguments on the same lettuce
              connection. Every delivery has its own webhook-id, so deduplication never short-cuts the path.
              Round trips are counted on the client (lettuce command events) over 1,000 events. **Bytes** per
              progress event are Redis's own count (INFO `total_net_input_bytes` and `total_net_output_bytes`)
              around 1,000 events of one running job through `WebhookService`, less the INFO calls' own bytes;
              in: against the event's webhook body; out: against the same transitions asking for the whole job
              (`returnJob`, what every event asked before), sent straight to the store in the same run.
              The **longest script** rows time single EVALSHAs of `transition.lua` at the limits one request can
              reach (the outputs cap in number and in bytes, a progress_state of the largest graph with the
              longest node ids), on the server (SLOWLOG, microseconds of execution, median of runs on fresh
              jobs): Redis runs one script at a time, so this is how long one event can hold everyone else up.
              The raw limit is a script that only decodes the same argument; the target is 10 ms.
              The **SQLite** rows run the same deliveries through `WebhookService` on `SqliteJobStore` (a file on
              the machine's disk, WAL, `synchronous=NORMAL`): one `BEGIN IMMEDIATE` transaction that reads the
              job's row, records the event id, decides with `TransitionApplier`, writes back the columns it changed
              and looks up the job's live listeners (none here). `bare`
              is the least a progress event must do there, with its values computed beforehand, in one
              `BEGIN IMMEDIATE` on the same connections: read the row, insert the marker, update progress, step,
              node and heartbeat. With 8 threads both take turns at the file's one write lock.
            - **live**: live progress over WebSocket (`LivePushes`). Fan-out: 1,000 connections subscribed over 100
              running jobs (10 each) on a redis-server; one progress webhook per job through `WebhookService.handle`
              (signature, one transition script that also answers the job's listeners, the job as GET shows it in
              `JobEnvelope`, 10 posts at once on 8 threads through the Management API client to `ManagementApiSink`, a
              local server speaking the Management API's wire format); the raw limit is the same 1,000 posts of a
              message of the same size with the same client and threads. Median of rounds; each round a second after
              the last in the events' time, so the throttle never holds a push back. Round trips: Redis commands per
              progress event counted on the client over 200 events; under the throttle (events 100 ms apart) an owed
              push's timer runs when the events' time passes its due time, as the container's timer thread would.
            - **get**: JMH. The `GetJobHandler` path (event in, identity from the JWT claims, one HGETALL, JSON with
              a presigned artifact URL out) against a bare HGETALL of the same key. On **SQLite**, the same
              handler with `SqliteJobStore` registered (as the local stack does for `JOB_STORE_TYPE=sqlite`)
              against a bare `SELECT` of the job's row, every column read, on the same connections.
            - **submit**: `SubmitJobHandler` against a redis-server and the ComfyUI simulator on loopback (its
              queue held, so it only accepts), by 32 threads at once and then by one; the raw limit is a bare
              POST /prompt to the same simulator at the same concurrency, which every submit must make. Both
              paths run first for half as many requests, so neither is measured while the JIT compiles it.
              All of it (callers, handler, Redis, simulator) shares the 2 cores, so the 32-caller rows are
              mostly queueing for CPU; the 1-caller rows show our own cost: three round trips and the JSON work
              (four with an Idempotency-Key: the key's record is marked once its job is written).
              What the other cost of a submit is, under 32 callers: JFR (`-XX:StartFlightRecording=settings=profile`
              with `-XX:FlightRecorderOptions:stackdepth=512` on a JVM running `--only submit`; execution samples
              printed with `jfr print --stack-depth 300 --events jdk.ExecutionSample` and counted by frame). Of
              the samples inside `SubmitJobHandler` (169 of 472: the rest is the simulator, lettuce's event loop
              and the callers), inclusive: `ComfyUiClient.submit`, the POST /prompt the raw limit makes too,
              25%; `RedisJobStore.create` (admission and insert scripts, their arguments encoded by
              `JobHashCodec`, 4%) 19%; `PromptGraph.of` 15%, made twice per submit (once to record the graph's
              hash on the new job, again by the dispatcher to send it); the third round trip (`Dispatcher.accepted`
              → `transition`) 12%; `SubmitRequest.parse` (the body's `readTree`) 8%; `FileInputs.check` 6.5%,
              also twice (at submit against the chosen server, at dispatch against the server it goes to);
              `GraphHash` 4%, `Workflow.sha256` 3.6%. Time waiting for Redis and ComfyUI is not sampled: on 2
              cores shared by callers, handler, Redis and simulator, the p99 at 32 callers is mostly the queue
              for a core, and every CPU-millisecond a submit spends beyond the bare POST lengthens it. Cut: the
              dispatcher sends the graph the submit made (`PromptGraph.madeFor`), so a submit makes it once
              (about 5% of its samples). Left: the second `FileInputs.check` on the first dispatch (same server,
              same cached `/object_info`, so the same answer; skipping it needs the check's inputs carried to the
              dispatcher), and the re-parse inside `PromptGraph.of` (`Workflow.parse(graph.toString())`).
            - **cost**: one 30-step txt2img job, the shipped template through `POST /jobs` (100 ms a step and
              50 ms a node in the simulator: about 3.5 s), through the local stack: template.yaml's routes served
              by `ApiGatewayEmulator` to the real handlers, a redis-server, S3Proxy, and the simulator posting its
              events with the bridge's defaults (`WebhookOptions`, held to `comfyjobs_webhook/config.py` by
              `BridgeDefaultsTest`). Counted at the servers from the submit until the simulator has nothing left
              to post (the POST carrying execution_success is answered once the job is finalized): Lambda
              invocations are the requests the emulator served per handler (only the submit and the webhook run:
              nobody polls, no callback or listener is set, and recovery and the callbacks' schedule are an hour
              apart, so GETs, template reads, callbacks and pushes, each counted in its own section, add
              nothing); Redis commands from `INFO commandstats` deltas (every command, those scripts ran
              included) and, on another job, from `MONITOR`, which tells what clients sent (`[0 127.0.0.1:port]`)
              from what scripts ran (`[0 lua]`); bytes from `INFO stats` `total_net_input_bytes` and
              `total_net_output_bytes` deltas, less what taking the snapshot adds; ComfyUI calls from the
              simulator's request counts per route. The goal of 30 commands is on what clients send: that is what
              ElastiCache Serverless bills per request (ECPUs, which also grow with the bytes moved). One job first
              warms the container (template cache, `/object_info`, connections); the rows are the mean of 3 jobs
              (1 with `--quick`). The 16 commands: the submit's 3 scripts (admission, insert, submitted), 12
              transitions (one per event applied, the finalizer's lease and its `succeeded`) and the ZREM of the
              user's live-job index, which lives in another slot. The 7 POSTs carry execution_start;
              execution_cached with the first progress_state; a progress_state a second; the last progress_state,
              executed and execution_success. The extra ComfyUI call is GET /prompt, the pool's load probe,
              whose answer is reused for `COMFYUI_HEALTH_CACHE_MS` (3 s) and has run out between jobs 3.5 s
              apart; under load, submits share it. With
              the bridge's earlier defaults (every event type, progress every 500 ms, one envelope per POST) the
              same job cost 29 invocations and 31 commands; sending every event uncoalesced, 78 and 80. The
              trade-off (progress about once a second instead of at every step) is in the bridge's README.
            - **recovery**: the scheduled sweep over every shard with the given number of active jobs, of which
              some are stale (ComfyUI lost them on their last attempt, so each is found gone and failed). The
              sweep first asks every shard in one round trip whether it has work, and visits only those; a server
              with several stale jobs has its history and queue read once (a page of `/history`, `/queue`, the
              page again) and the failures are written a batch at a time (`transitionAll`). Raw limits: with
              nothing stale, one bare range query per shard, one after another (median of 9 runs after a
              warm-up, for both); with stale jobs, the bare EVALSHAs of transition.lua failing twins of the same
              jobs (the same guards, error and returned job as the sweep's), batched as the sweep batches them,
              shard by shard, up to 200 of one shard written back to back and then awaited, on the same
              connection; and, as a second row, the former per-job limit: one bare GET /history plus one EVALSHA
              per job at 8 calls per server. One unmeasured sweep over 200 stale jobs first loads and compiles
              the code. What the sweep adds to the bare EVALSHAs: per shard, its lock, the stale range and the
              jobs' hashes, the check for jobs past retention and the unlock; per job that ended, the removal
              from its user's live index (another slot).
            - **cold start** (`--only coldstart`, about two minutes): fresh JVMs with the JAVA_TOOL_OPTIONS that
              template.yaml gives the functions, only the shaded functions jar and the probe's classes on the
              classpath, building the handler as Lambda does (default constructor, configuration from the
              environment) against a redis-server and the ComfyUI simulator on loopback; medians of 3 runs.
              *JVM start to first answer*: from the JVM's start time to the first answer. Its two floors: a bare
              `MicronautRequestHandler` that injects nothing, and a hand-written `RequestHandler` that builds a
              lettuce connection, an `S3Presigner` and a Jackson mapper and answers GET's work (one HGETALL of the
              job, one presigned URL, JSON) with no framework and no checks. The GET probe reads a finished job
              with one output, so ours presigns once too. *Split into parts*: in a fresh JVM, before the handler,
              the libraries are started alone in the order a request meets them: a bare Micronaut context,
              Jackson's first job JSON, our artifact store with one presign, a lettuce connection with one HGETALL;
              then the handler is built and answers. A part pays for the classes it is the first to load, so
              *handler build* and *first request* are what our code adds beyond the libraries; the parts add up to
              more than the first-answer row, as each part has its own set-up. *First request after SnapStart
              priming*: the handler is built, then the checkpoint and restore hooks run through org.crac (the
              bench supplies the runtime half, `com.comfyjobs.bench.crac`, notifying as Lambda does); the first
              request after them, and the second, are timed against the median of the last 200 of 400 warm requests
              in the same JVM. This is the part SnapStart cannot hide beyond the restore itself: the first request
              opens a new Redis connection (the hooks close it before the snapshot) and runs whatever priming did not
              compile; the second has the connection open. The
              JVM is not frozen and thawed here, so the pages a restored copy faults in from the snapshot are not
              in these numbers. Without SnapStart, the init part of the first-answer rows is paid at every cold
              start; with it, once per version.
            - **memory**: `MEMORY USAGE` of the job hash and workflow key, against the size of the job's own JSON
              and, while it is live, the workflow JSON (a finished job keeps only the workflow's SHA-256 and size). A terminal job's artifacts field passes 64 bytes, so Redis turns its hash
              from a listpack into a hashtable; that costs ~800 B and varies by a few hundred bytes between
              runs with the table's incremental rehashing. **Replay markers**: `MEMORY USAGE` of what a job's
              100 progress events leave to refuse their replays, against the 1 KB target: with the bridge's
              webhook-ids (one stem, delivery numbers in a row but for every tenth, which another delivery
              took) the job's `seen:ID` hash; with random webhook-ids, the 100 `evt:` keys summed.
            - **artifact**: a fresh JVM with `-Xmx256m` streams the output from the simulator's /view into
              S3Proxy (on disk) through `ComfyUiClient.download` and `ArtifactStore.copy` (8 MB parts), sampling
              its heap every 5 ms; the raw limit is another fresh JVM with the same flags piping the same /view
              body into one bare S3 PutObject with the same SDK client.
            - **callbacks**: succeeded jobs (one artifact each) whose callback waits in the outboxes of a
              redis-server, delivered by `CallbackDrainer` (16 senders, as the DeliverCallbacks function runs it)
              to a receiver on loopback in the same JVM: claim (one script per shard for as many jobs as senders are free), the job
              viewed as GET shows it with a presigned URL, the caller's secret read and opened (AES-GCM), the
              Standard Webhooks signature, the POST, the record of the try. The raw limit is the same envelopes
              signed and POSTed by 16 threads through the same HTTP client to the same receiver. Both run once
              at a fifth of the count before they are measured. Sender, receiver and Redis share the 2 cores.
            """;

    private Notes() {
    }
}
