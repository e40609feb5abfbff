package com.comfyjobs.testing;

import com.comfyjobs.servers.FreePorts;
import com.comfyjobs.servers.RedisNode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;

/**
 * moto_server (an AWS-faithful S3 emulator) as a child process, when it is installed. It is not part
 * of a user's fresh machine: tests that use it are skipped where {@link #isInstalled()} is false.
 */
public final class MotoServer implements AutoCloseable {
    private final Process process;
    private final int port;

    private MotoServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static boolean isInstalled() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (new File(dir, "moto_server").canExecute()) {
                return true;
            }
        }
        return false;
    }

    public static MotoServer start() {
        int port = FreePorts.any();
        try {
            Process p = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            MotoServer m = new MotoServer(p, port);
            m.awaitListening();
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException("moto_server did not start", e);
        }
    }

    private void awaitListening() {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited with " + process.exitValue());
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                RedisNode.sleep(50);
            }
        }
        close();
        throw new IllegalStateException("moto_server is not listening on port " + port);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
