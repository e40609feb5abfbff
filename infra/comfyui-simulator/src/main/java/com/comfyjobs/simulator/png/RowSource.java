package com.comfyjobs.simulator.png;

/** Supplies the RGB bytes of one image row on demand. */
@FunctionalInterface
public interface RowSource {
    /** Writes {@code width * 3} bytes of row {@code y} into {@code row} from {@code offset}. */
    void fill(int y, byte[] row, int offset);
}
