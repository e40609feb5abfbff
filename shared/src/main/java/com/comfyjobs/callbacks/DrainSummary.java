package com.comfyjobs.callbacks;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** What one run of {@link CallbackDrainer} did: the tries it made, by outcome, and how many passes over the shards. */
public record DrainSummary(int passes, Map<SendOutcome, Integer> tries) {
    public DrainSummary {
        Map<SendOutcome, Integer> all = new EnumMap<>(SendOutcome.class);
        for (SendOutcome o : SendOutcome.values()) {
            all.put(o, tries.getOrDefault(o, 0));
        }
        tries = Map.copyOf(all);
    }

    public int count(SendOutcome outcome) {
        return tries.get(outcome);
    }

    public int total() {
        return tries.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** For the scheduled function's answer and its log. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("passes", passes);
        for (SendOutcome o : SendOutcome.values()) {
            m.put(o.wire(), tries.get(o));
        }
        return m;
    }
}
