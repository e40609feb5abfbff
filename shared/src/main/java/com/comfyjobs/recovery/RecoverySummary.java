package com.comfyjobs.recovery;

import com.comfyjobs.observability.RecoveryRunCounts;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one recovery run did: stale jobs scanned and what became of them, plus stale jobs whose stored
 * data could not be read (skipped and logged for a person to look at), the shards it could not lock
 * (another run had them) and the terminal jobs cleanup purged.
 */
public final class RecoverySummary {
    public final AtomicInteger scanned = new AtomicInteger();
    /** Alive on ComfyUI (heartbeat refreshed) or finished unseen and now settled. */
    public final AtomicInteger recovered = new AtomicInteger();
    public final AtomicInteger resubmitted = new AtomicInteger();
    public final AtomicInteger failed = new AtomicInteger();
    public final AtomicInteger expired = new AtomicInteger();
    public final AtomicInteger canceled = new AtomicInteger();
    /** Left for a later run: server unreachable, lease held, finalization incomplete, out of time. */
    public final AtomicInteger skipped = new AtomicInteger();
    public final AtomicInteger unreadable = new AtomicInteger();
    public final AtomicInteger shardsLocked = new AtomicInteger();
    public final AtomicInteger purged = new AtomicInteger();
    /** Ended jobs whose usage step was lost, counted by this run. */
    public final AtomicInteger usageSettled = new AtomicInteger();
    public volatile boolean stoppedEarly;
    public volatile long durationMs;

    /** What of this run becomes metrics. */
    public RecoveryRunCounts counts() {
        return new RecoveryRunCounts(scanned.get(), recovered.get(), resubmitted.get(), failed.get(), expired.get(), skipped.get(),
                unreadable.get(), durationMs);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scanned", scanned.get());
        m.put("recovered", recovered.get());
        m.put("resubmitted", resubmitted.get());
        m.put("failed", failed.get());
        m.put("expired", expired.get());
        m.put("canceled", canceled.get());
        m.put("skipped", skipped.get());
        m.put("unreadable", unreadable.get());
        m.put("shardsLockedElsewhere", shardsLocked.get());
        m.put("purged", purged.get());
        m.put("usageSettled", usageSettled.get());
        m.put("stoppedEarly", stoppedEarly);
        m.put("durationMs", durationMs);
        return m;
    }

    @Override
    public String toString() {
        return toMap().toString();
    }
}
