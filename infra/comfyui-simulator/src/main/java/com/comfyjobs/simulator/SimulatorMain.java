package com.comfyjobs.simulator;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;

/** Runs the simulator from the command line until Ctrl-C. */
public final class SimulatorMain {
    private SimulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ComfyUiSimulator simulator;
        try {
            simulator = launch(args, System.out);
        } catch (UsageException e) {
            System.err.println("comfyui-simulator: " + e.getMessage());
            System.err.println("Try --help.");
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            System.err.println("comfyui-simulator: cannot start: " + e);
            System.exit(1);
            return;
        }
        if (simulator == null) {
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(simulator::close, "comfyui-sim-shutdown"));
        new CountDownLatch(1).await();
    }

    /**
     * Parses the arguments, starts a simulator and prints the line with its URL; returns null after
     * printing the usage for --help. The caller owns (and closes) the simulator.
     */
    static ComfyUiSimulator launch(String[] args, PrintStream out) throws UsageException {
        ComfyUiSimulator.Builder builder = CommandLine.parse(args);
        if (builder == null) {
            out.println(CommandLine.USAGE);
            return null;
        }
        ComfyUiSimulator simulator = builder.build();
        try {
            simulator.start();
        } catch (RuntimeException e) {
            simulator.close();
            throw e;
        }
        out.println("ComfyUI simulator listening on " + simulator.baseUrl() + " (output: " + simulator.outputDir() + ")");
        out.flush();
        return simulator;
    }
}
