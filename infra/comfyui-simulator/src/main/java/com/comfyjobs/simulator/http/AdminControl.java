package com.comfyjobs.simulator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** What the /_sim/ routes act on; the simulator implements it with its Faults. */
public interface AdminControl {
    void restart();

    /** Applies the knobs of a POST /_sim/faults body; throws IllegalArgumentException for a bad one. */
    void applyFaults(JsonNode knobs);

    ObjectNode faults();

    ObjectNode stats();
}
