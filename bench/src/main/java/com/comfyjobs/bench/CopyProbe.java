package com.comfyjobs.bench;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.comfyui.Download;
import com.comfyjobs.comfyui.DownloadResult;
import com.comfyjobs.job.JobArtifact;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Run in a JVM limited by -Xmx: streams one ComfyUI output into S3 exactly as finalization does
 * (ComfyUiClient.download into ArtifactStore.copy) and reports the bytes, the time and the largest
 * heap use seen (sampled every 5 ms). args: comfy url, filename, s3 endpoint, bucket, access key, secret,
 * and "bare" for the raw limit: the same /view body piped into one bare S3 PutObject by the same SDK
 * client settings, with none of our code in between.
 */
public final class CopyProbe {
    private CopyProbe() {
    }

    public static void main(String[] args) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        AtomicLong peak = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        ComfyUiSettings cs = ComfyUiSettings.of(List.of(URI.create(args[0])));
        ComfyUiClient comfy = new ComfyUiClient(URI.create(args[0]), ComfyUiClient.httpClient(cs), cs);
        ArtifactStore s3 = ArtifactStore.create(ArtifactSettings.of(args[3], URI.create(args[2])),
                StaticCredentialsProvider.create(AwsBasicCredentials.create(args[4], args[5])));
        long start = System.nanoTime();
        long size = args.length > 6 && "bare".equals(args[6]) ? bare(args, s3) : ours(args, comfy, s3);
        long ms = (System.nanoTime() - start) / 1_000_000;
        sampler.interrupt();
        System.out.println("COPY " + size + " " + ms + " " + peak.get() + " " + Runtime.getRuntime().maxMemory());
        s3.close();
        System.exit(0);
    }

    private static long ours(String[] args, ComfyUiClient comfy, ArtifactStore s3) throws Exception {
        DownloadResult r = comfy.download(args[1], "", "output");
        if (!(r instanceof DownloadResult.Found found)) {
            throw new IllegalStateException("ComfyUI did not serve the file: " + r);
        }
        try (Download d = found.download()) {
            JobArtifact a = s3.copy(d.body(), d.contentLength(), d.contentType(), "artifacts/bench/large/1/9/" + args[1], args[1]);
            return a.size();
        }
    }

    private static long bare(String[] args, ArtifactStore s3) throws Exception {
        HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(args[0] + "/view?filename=" + args[1] + "&subfolder=&type=output")).build(), HttpResponse.BodyHandlers.ofInputStream());
        long length = r.headers().firstValueAsLong("Content-Length").orElseThrow();
        try (InputStream in = r.body()) {
            s3.client().putObject(b -> b.bucket(args[3]).key("bare/" + args[1]).contentLength(length), RequestBody.fromInputStream(in, length));
        }
        return length;
    }
}
