package com.comfyjobs.simulator.nodes;

import com.comfyjobs.simulator.json.PyException;
import java.util.List;

/**
 * Room for tensor values. A graph can ask for far more than the simulator's heap (EmptyImage allows
 * 16384x16384 images in batches of 4096), so an allocation above a share of the heap is refused the
 * way torch refuses one it cannot make on the CPU: a RuntimeError that fails the node, not the simulator.
 */
final class TensorMemory {
    /** The share of the heap one tensor may take; the rest stays for the cache and other nodes' outputs. */
    private static final int HEAP_SHARE = 4;

    private TensorMemory() {
    }

    static float[] floats(long count) throws PyException {
        reserve(count * Float.BYTES, count);
        return new float[(int) count];
    }

    static int[] ints(long count) throws PyException {
        reserve(count * Integer.BYTES, count);
        return new int[(int) count];
    }

    private static void reserve(long bytes, long count) throws PyException {
        if (count > Integer.MAX_VALUE - 8 || bytes > Runtime.getRuntime().maxMemory() / HEAP_SHARE) {
            throw new PyException("RuntimeError", "[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: "
                    + "not enough memory: you tried to allocate " + bytes + " bytes.",
                    SimulatedTraceback.nodeCall(List.of(SimulatedTraceback.frame("c10/core/impl/alloc_cpu.cpp", 117,
                            "alloc_cpu", "data = memalign(gAlignment, nbytes)"))));
        }
    }
}
