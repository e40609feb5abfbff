package com.comfyjobs.simulator.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Python's heapq over a list, step for step: GET /queue shows queue_pending in ComfyUI's heap array
 * order (not sorted), and deleting an item re-heapifies exactly as ComfyUI does.
 */
final class PromptHeap<T> {
    private final List<T> heap = new ArrayList<>();
    private final Comparator<T> order;

    PromptHeap(Comparator<T> order) {
        this.order = order;
    }

    void push(T item) {
        heap.add(item);
        siftDown(0, heap.size() - 1);
    }

    T pop() {
        T last = heap.remove(heap.size() - 1);
        if (heap.isEmpty()) {
            return last;
        }
        T top = heap.get(0);
        heap.set(0, last);
        siftUp(0);
        return top;
    }

    /** ComfyUI's delete_queue_item: removes the first match in array order, then heapify. */
    boolean removeFirst(Predicate<T> match) {
        for (int i = 0; i < heap.size(); i++) {
            if (match.test(heap.get(i))) {
                heap.remove(i);
                heapify();
                return true;
            }
        }
        return false;
    }

    void clear() {
        heap.clear();
    }

    int size() {
        return heap.size();
    }

    boolean isEmpty() {
        return heap.isEmpty();
    }

    /** The backing array, in heap order. */
    List<T> items() {
        return List.copyOf(heap);
    }

    private void heapify() {
        for (int i = heap.size() / 2 - 1; i >= 0; i--) {
            siftUp(i);
        }
    }

    private void siftDown(int start, int pos) {
        T item = heap.get(pos);
        while (pos > start) {
            int parentPos = (pos - 1) >> 1;
            T parent = heap.get(parentPos);
            if (order.compare(item, parent) < 0) {
                heap.set(pos, parent);
                pos = parentPos;
                continue;
            }
            break;
        }
        heap.set(pos, item);
    }

    private void siftUp(int pos) {
        int end = heap.size();
        int start = pos;
        T item = heap.get(pos);
        int child = 2 * pos + 1;
        while (child < end) {
            int right = child + 1;
            if (right < end && !(order.compare(heap.get(child), heap.get(right)) < 0)) {
                child = right;
            }
            heap.set(pos, heap.get(child));
            pos = child;
            child = 2 * pos + 1;
        }
        heap.set(pos, item);
        siftDown(start, pos);
    }
}
