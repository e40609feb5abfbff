package com.comfyjobs.comfyui;

import java.util.List;
import java.util.Map;

/**
 * One page of ComfyUI's {@code GET /history?offset=..&max_items=..}: the prompt ids in ComfyUI's order
 * (oldest first: the order prompts finished in), each one's entry without the graph that ran (a page
 * is read to decide many jobs at once, and the graphs are most of its size), and how many bytes the
 * answer took.
 */
public record HistoryPage(List<String> promptIds, Map<String, HistoryEntry> entries, long bytes) {
    public HistoryPage {
        promptIds = List.copyOf(promptIds);
        entries = Map.copyOf(entries);
    }
}
