package com.comfyjobs.simulator.engine;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * execution.PromptQueue: the pending heap, the running prompts and the in-memory history, plus the
 * server's prompt counter. Everything a restart loses lives here.
 */
public final class PromptQueue {
    private static final List<String> SENSITIVE_EXTRA_DATA_KEYS = List.of("auth_token_comfy_org", "api_key_comfy_org");

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PromptHeap<QueueItem> pending = new PromptHeap<>(QueueItem.ORDER);
    private final Map<Long, QueueItem> running = new LinkedHashMap<>();
    private final Map<String, ObjectNode> history = new LinkedHashMap<>();
    private final Generation generation;
    private final int historyCap;
    private final QueueListener listener;
    private final ExecutionLedger ledger;
    private long taskCounter;
    private long number;
    private long sequence;

    public PromptQueue(Generation generation, int historyCap, QueueListener listener, ExecutionLedger ledger) {
        this.generation = generation;
        this.historyCap = historyCap;
        this.listener = listener;
        this.ledger = ledger;
    }

    /** A running prompt: the worker's task id and a copy of the queue tuple. */
    public record Task(long id, long generation, QueueItem item) {
    }

    /** The number POST /prompt gives a prompt that names none: a counter, negated for "front". */
    public long nextNumber(boolean front) {
        lock.lock();
        try {
            long value = number++;
            return front ? -value : value;
        } finally {
            lock.unlock();
        }
    }

    public QueueItem newItem(JsonNode itemNumber, String promptId, ObjectNode prompt, ObjectNode extraData, List<String> outputs) {
        lock.lock();
        try {
            return new QueueItem(itemNumber, promptId, prompt, extraData, outputs, sequence++);
        } finally {
            lock.unlock();
        }
    }

    public void put(QueueItem item) {
        lock.lock();
        try {
            pending.push(item);
            updated();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for a prompt to run; null once {@code workerGeneration} is over. {@code hold} keeps prompts
     * pending while it is true.
     */
    public Task take(long workerGeneration, BooleanSupplier hold) throws InterruptedException {
        lock.lock();
        try {
            while (generation.isCurrent(workerGeneration) && (pending.isEmpty() || hold.getAsBoolean())) {
                changed.await();
            }
            if (!generation.isCurrent(workerGeneration)) {
                return null;
            }
            QueueItem item = pending.pop();
            long id = taskCounter++;
            running.put(id, item.deepCopy());
            updated();
            return new Task(id, workerGeneration, item);
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the worker to re-check the queue (generation change, hold released). */
    public void wake() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** task_done: the running prompt moves to history in one step. Ignored for an abandoned generation. */
    public void taskDone(Task task, ObjectNode historyResult, ObjectNode status) {
        lock.lock();
        try {
            if (!generation.isCurrent(task.generation())) {
                return;
            }
            QueueItem item = running.remove(task.id());
            if (history.size() > historyCap) {
                Iterator<String> oldest = history.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
            SENSITIVE_EXTRA_DATA_KEYS.forEach(item.extraData()::remove);
            ObjectNode entry = Json.object();
            entry.set("prompt", item.toJson());
            entry.set("outputs", Json.object());
            entry.set("status", status);
            entry.setAll(historyResult);
            history.put(item.promptId(), entry);
            updated();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** {"exec_info": {"queue_remaining": pending + running}}. */
    public ObjectNode queueInfo() {
        lock.lock();
        try {
            return info();
        } finally {
            lock.unlock();
        }
    }

    /** GET /queue. */
    public ObjectNode queueJson() {
        lock.lock();
        try {
            ObjectNode out = Json.object();
            ArrayNode runningJson = out.putArray("queue_running");
            running.values().forEach(item -> runningJson.add(item.toJson()));
            ArrayNode pendingJson = out.putArray("queue_pending");
            pending.items().forEach(item -> pendingJson.add(item.toJson()));
            return out;
        } finally {
            lock.unlock();
        }
    }

    public boolean isRunning(String promptId) {
        lock.lock();
        try {
            return running.values().stream().anyMatch(item -> item.promptId().equals(promptId));
        } finally {
            lock.unlock();
        }
    }

    public boolean isIdle() {
        lock.lock();
        try {
            return pending.isEmpty() && running.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    public void wipeQueue() {
        lock.lock();
        try {
            ledger.endedAll(pendingIds(), PromptFate.REMOVED);
            pending.clear();
            updated();
        } finally {
            lock.unlock();
        }
    }

    /** delete_queue_item: removes one pending item with this id (deleting the last one reports twice, as ComfyUI does). */
    public void deletePending(String promptId) {
        lock.lock();
        try {
            if (pending.size() == 1 && pending.items().get(0).promptId().equals(promptId)) {
                wipeQueue();
                updated();
            } else if (pending.removeFirst(item -> item.promptId().equals(promptId))) {
                ledger.ended(promptId, PromptFate.REMOVED);
                updated();
            }
        } finally {
            lock.unlock();
        }
    }

    /** GET /history/{id}: {} for an unknown id. */
    public ObjectNode history(String promptId) {
        lock.lock();
        try {
            ObjectNode out = Json.object();
            ObjectNode entry = history.get(promptId);
            if (entry != null) {
                out.set(promptId, entry.deepCopy());
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** GET /history with ComfyUI's max_items/offset arithmetic (a negative offset means "the last max_items"). */
    public ObjectNode history(Integer maxItems, int offset) {
        lock.lock();
        try {
            int start = offset < 0 && maxItems != null ? history.size() - maxItems : offset;
            ObjectNode out = Json.object();
            int i = 0;
            for (Map.Entry<String, ObjectNode> entry : history.entrySet()) {
                if (i >= start) {
                    out.set(entry.getKey(), entry.getValue().deepCopy());
                    if (maxItems != null && out.size() >= maxItems) {
                        break;
                    }
                }
                i++;
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    public void wipeHistory() {
        lock.lock();
        try {
            history.clear();
        } finally {
            lock.unlock();
        }
    }

    public void deleteHistory(String promptId) {
        lock.lock();
        try {
            history.remove(promptId);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A fresh process: nothing queued, running or remembered, and the counters start again.
     * {@code endGeneration} runs under the queue's lock, so the worker cannot take an old prompt into
     * the new generation in between.
     */
    public void reset(Runnable endGeneration) {
        lock.lock();
        try {
            endGeneration.run();
            ledger.endedAll(pendingIds(), PromptFate.LOST);
            ledger.endedAll(running.values().stream().map(QueueItem::promptId).toList(), PromptFate.LOST);
            pending.clear();
            running.clear();
            history.clear();
            taskCounter = 0;
            number = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private List<String> pendingIds() {
        return pending.items().stream().map(QueueItem::promptId).toList();
    }

    private void updated() {
        listener.queueUpdated(info());
    }

    private ObjectNode info() {
        ObjectNode info = Json.object();
        info.putObject("exec_info").put("queue_remaining", pending.size() + running.size());
        return info;
    }
}
