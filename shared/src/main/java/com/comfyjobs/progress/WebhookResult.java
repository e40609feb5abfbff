package com.comfyjobs.progress;

/** What one delivery did, event by event: applied, already applied, or not ours to apply. */
public record WebhookResult(int applied, int duplicates, int ignored) {
}
