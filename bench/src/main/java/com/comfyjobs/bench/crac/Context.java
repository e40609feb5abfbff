package com.comfyjobs.bench.crac;

/** The shape org.crac looks for in {@code <package>.Context}: it registers each resource through {@link #register}. */
public abstract class Context<R extends Resource> implements Resource {
    public abstract void register(R resource);
}
