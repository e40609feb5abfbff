package com.comfyjobs.simulator.engine;

/** How long simulated work takes: per sampler step and per other node. */
public record Timing(long stepMillis, long nodeMillis) {
}
