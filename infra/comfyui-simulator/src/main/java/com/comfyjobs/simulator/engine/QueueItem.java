package com.comfyjobs.simulator.engine;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.List;

/**
 * ComfyUI's queue tuple (number, prompt_id, prompt, extra_data, outputs_to_execute). {@code sequence}
 * breaks ties that Python's tuple comparison would have turned into a TypeError.
 */
public record QueueItem(JsonNode number, String promptId, ObjectNode prompt, ObjectNode extraData,
                        List<String> outputs, long sequence) {

    /** Python's heap order: number, then prompt_id, then (where ComfyUI would fail) submission order. */
    public static final Comparator<QueueItem> ORDER = Comparator
            .<QueueItem>comparingDouble(item -> item.number().doubleValue())
            .thenComparing(QueueItem::promptId)
            .thenComparingLong(QueueItem::sequence);

    public QueueItem {
        outputs = List.copyOf(outputs);
    }

    public QueueItem deepCopy() {
        return new QueueItem(number, promptId, prompt.deepCopy(), extraData.deepCopy(), outputs, sequence);
    }

    public ArrayNode toJson() {
        ArrayNode tuple = Json.array();
        tuple.add(number);
        tuple.add(promptId);
        tuple.add(prompt.deepCopy());
        tuple.add(extraData.deepCopy());
        ArrayNode outputList = tuple.addArray();
        outputs.forEach(outputList::add);
        return tuple;
    }
}
