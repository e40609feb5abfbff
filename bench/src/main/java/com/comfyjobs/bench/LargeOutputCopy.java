package com.comfyjobs.bench;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.job.PromptIds;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.servers.S3Server;
import com.comfyjobs.simulator.ComfyUiSimulator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One large ComfyUI output (an image 8192 pixels square, 4096 with {@code --quick}) streamed from the
 * simulator's /view into S3Proxy by a fresh {@code -Xmx256m} JVM ({@link CopyProbe}) the way finalization
 * does it: the time, and the peak heap against the -Xmx limit. The raw limit for the time is another fresh JVM with the
 * same flags piping the same /view body into one bare S3 PutObject.
 */
final class LargeOutputCopy {
    private LargeOutputCopy() {
    }

    static List<Row> run(boolean quick, Path benchJar) throws Exception {
        int side = quick ? 4096 : 8192;
        Path dir = Files.createTempDirectory("bench-large-");
        try (ComfyUiSimulator sim = ComfyUiSimulator.builder().port(0).stepMillis(1).nodeMillis(1).outputDir(dir.resolve("out")).build().start();
             S3Server s3 = S3Server.onDisk(Files.createDirectories(dir.resolve("s3")), 0)) {
            try (S3Client admin = S3Client.builder().endpointOverride(s3.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(S3Server.ACCESS_KEY, S3Server.SECRET_KEY)))
                    .httpClient(UrlConnectionHttpClient.create()).build()) {
                admin.createBucket(b -> b.bucket("bench-large"));
            }
            var wf = BenchWorkflows.tree();
            ((ObjectNode) wf.get("5").get("inputs")).put("width", side).put("height", side);
            ((ObjectNode) wf.get("3").get("inputs")).put("steps", 1);
            ComfyUiSettings cs = ComfyUiSettings.of(List.of(sim.baseUri()));
            ComfyUiClient client = new ComfyUiClient(sim.baseUri(), ComfyUiClient.httpClient(cs), cs);
            String pid = PromptIds.newJobId() + "_1";
            client.submit(pid, "bench", Workflow.parse(wf.toString()), Map.of());
            sim.awaitIdle(Duration.ofMinutes(5));
            String file = client.history(pid).orElse(Optional.empty()).orElseThrow().deliverables().get(0).filename();
            long size = Files.size(sim.outputFile(file, ""));

            long[] bare = copyInSmallHeap(benchJar, sim, file, s3, "bare");
            long[] ours = copyInSmallHeap(benchJar, sim, file, s3, "ours");
            for (long[] run : List.of(bare, ours)) {
                if (run[0] != size) {
                    throw new IllegalStateException("copied " + run[0] + " of " + size + " bytes");
                }
            }
            double ms = ours[1];
            double rawMs = bare[1];
            double peakMb = ours[2] / (1024.0 * 1024);
            String mb = String.format("%.0f MB", size / (1024.0 * 1024));
            return List.of(
                    new Row("artifact", mb + " output /view -> S3, -Xmx256m", "ms", ms, rawMs, "bare /view body piped into one S3 PutObject, same JVM flags", "completed"),
                    new Row("artifact", mb + " output, peak heap", "MB", peakMb, 256, "the -Xmx limit", "one 8 MB part in memory"));
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
            }
        }
    }

    /** @return bytes copied, milliseconds, peak heap bytes of one copy in a fresh -Xmx256m JVM */
    private static long[] copyInSmallHeap(Path benchJar, ComfyUiSimulator sim, String file, S3Server s3, String mode) throws Exception {
        String[] f = ProbeRun.report(new ProcessBuilder("java", "-Xmx256m", "-cp", benchJar.toString(), CopyProbe.class.getName(),
                sim.baseUrl(), file, s3.endpoint().toString(), "bench-large", S3Server.ACCESS_KEY, S3Server.SECRET_KEY, mode),
                "COPY ", "the -Xmx256m " + mode + " copy did not complete");
        return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
    }
}
