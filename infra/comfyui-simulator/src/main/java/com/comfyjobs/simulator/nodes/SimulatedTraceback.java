package com.comfyjobs.simulator.nodes;

import java.util.ArrayList;
import java.util.List;

/**
 * Traceback frames in the shape of Python's {@code traceback.format_tb}, pointing into a ComfyUI
 * install, for the errors the simulator raises on a node's behalf.
 */
public final class SimulatedTraceback {
    private static final String ROOT = "/ComfyUI/";

    private SimulatedTraceback() {
    }

    public static String frame(String file, int line, String function, String code) {
        return "  File \"" + ROOT + file + "\", line " + line + ", in " + function + "\n    " + code + "\n";
    }

    /** The executor's frames down into a node's FUNCTION, followed by the node's own {@code inner} frames. */
    public static List<String> nodeCall(List<String> inner) {
        List<String> frames = new ArrayList<>();
        frames.add(frame("execution.py", 496, "execute", "output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(...)"));
        frames.add(frame("execution.py", 315, "get_output_data", "return_values = await _async_map_node_over_list(...)"));
        frames.add(frame("execution.py", 289, "_async_map_node_over_list", "await process_inputs(input_dict, i)"));
        frames.add(frame("execution.py", 277, "process_inputs", "result = f(**inputs)"));
        frames.addAll(inner);
        return frames;
    }
}
