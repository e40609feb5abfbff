package com.comfyjobs.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.Statistics;

/** Runs one JMH benchmark method in SampleTime mode and returns its latency distribution. */
final class Jmh {
    record Sample(double meanMicros, double p50Micros, double p99Micros, double opsPerSecond, long samples) {
    }

    private Jmh() {
    }

    static Sample run(Class<?> benchmark, String method, int threads, boolean quick) throws RunnerException {
        // signed ahead of each iteration: enough for the fastest path at full speed, and no more, since signing takes time too
        int deliveries = quick ? 60_000 : 1_500_000;
        Options opt = new OptionsBuilder()
                .include("^" + benchmark.getName().replace(".", "\\.") + "\\." + method + "$")
                .mode(Mode.SampleTime)
                .timeUnit(TimeUnit.MICROSECONDS)
                .threads(threads)
                .forks(quick ? 0 : 1)
                .jvmArgsAppend("-Xmx3g", "-Dbench.deliveries=" + deliveries)
                .warmupIterations(quick ? 1 : 2)
                .warmupTime(TimeValue.seconds(quick ? 1 : 3))
                .measurementIterations(quick ? 1 : 3)
                .measurementTime(TimeValue.seconds(quick ? 1 : 5))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();
        if (quick) {
            System.setProperty("bench.deliveries", Integer.toString(deliveries));
        }
        RunResult r = new Runner(opt).runSingle();
        Statistics st = r.getPrimaryResult().getStatistics();
        BenchmarkParams p = r.getParams();
        return new Sample(st.getMean(), st.getPercentile(50), st.getPercentile(99), p.getThreads() * 1_000_000.0 / st.getMean(), st.getN());
    }
}
