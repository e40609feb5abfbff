package com.comfyjobs.simulator;

/**
 * Webhook delivery counters since the simulator was built (a delivery is one POST body: one envelope,
 * or one batch). Once idle: deliveries formed = delivered + failed + discarded.
 *
 * @param attempted HTTP requests sent, retries and duplicates included
 * @param delivered deliveries answered 2xx
 * @param dropped deliveries the drop knob never sent
 * @param duplicated deliveries the duplicate knob sent a second time
 * @param failed deliveries given up: attempts exhausted, a non-retryable 4xx, or 410
 * @param retries attempts after the first
 * @param coalesced progress/progress_state events replaced by a newer one before sending
 * @param discarded events and deliveries thrown away unsent by a 410, a restart or close
 */
public record WebhookStats(long attempted, long delivered, long dropped, long duplicated, long failed, long retries,
                           long coalesced, long discarded) {
}
