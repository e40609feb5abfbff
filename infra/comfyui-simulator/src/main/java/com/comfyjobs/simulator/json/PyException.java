package com.comfyjobs.simulator.json;

import java.util.List;

/**
 * A Python exception as ComfyUI would have raised it, carried with the type name and message that its
 * error payloads report ({@code full_type_name(type)} and {@code str(ex)}).
 */
public class PyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String pythonType;
    private final transient List<String> traceback;

    public PyException(String pythonType, String message, List<String> traceback) {
        super(message, null, false, false);
        this.pythonType = pythonType;
        this.traceback = List.copyOf(traceback);
    }

    public String pythonType() {
        return pythonType;
    }

    /** The frames {@code traceback.format_tb} would list, innermost last. */
    public List<String> traceback() {
        return traceback;
    }
}
