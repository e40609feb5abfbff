package com.comfyjobs.bench.crac;

/** The shape org.crac looks for in {@code <package>.Resource}; it hands a proxy of this to {@link Context#register}. */
public interface Resource {
    void beforeCheckpoint(Context<? extends Resource> context) throws Exception;

    void afterRestore(Context<? extends Resource> context) throws Exception;
}
