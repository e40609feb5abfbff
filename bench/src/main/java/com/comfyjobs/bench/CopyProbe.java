package com.comfyjobs.bench;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.comfyui.Download;
import com.comfyjobs.comfyui.DownloadResult;
import com.comfyjobs.job.JobArtifact;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Run in a JVM limited by -Xmx: streams one ComfyUI output into S3 exactly as finalization does
 * (ComfyUiClient.download into ArtifactStore.copy) and reports the bytes, the time and the largest
 * heap use seen (sampled every 5 ms). args: comfy url, filename, s3 endpoint, bucket, access key, secret.
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
        DownloadResult r = comfy.download(args[1], "", "output");
        if (!(r instanceof DownloadResult.Found found)) {
            throw new IllegalStateException("ComfyUI did not serve the file: " + r);
        }
        JobArtifact a;
        try (Download d = found.download()) {
            a = s3.copy(d.body(), d.contentLength(), d.contentType(), "artifacts/bench/large/1/9/" + args[1], args[1]);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        sampler.interrupt();
        System.out.println("COPY " + a.size() + " " + ms + " " + peak.get() + " " + Runtime.getRuntime().maxMemory());
        s3.close();
        System.exit(0);
    }
}
