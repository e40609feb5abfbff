package com.comfyjobs.simulator.webhook;

/** One POST body (an envelope or a batch) and its webhook-id, which every retry keeps. */
record Delivery(String messageId, byte[] body, boolean duplicate) {
}
