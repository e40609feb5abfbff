package com.comfyjobs.comfyui;

/**
 * A graph input that loads a file and holds something other than an image the job uploads, or a
 * combo whose value reaches outside ComfyUI's folders. The names come from the workflow (caller
 * text): {@link #message()} shows them shortened and without control characters.
 */
public record FileInputViolation(String nodeId, String classType, String input, String problem) {
    public String message() {
        return "node " + quoted(nodeId) + " (" + quoted(classType) + ") input " + quoted(input) + " " + problem;
    }

    public static String quoted(String callerText) {
        String clean = callerText.replaceAll("\\p{Cntrl}", "?");
        return "\"" + (clean.length() > 64 ? clean.substring(0, 64) + "..." : clean) + "\"";
    }
}
