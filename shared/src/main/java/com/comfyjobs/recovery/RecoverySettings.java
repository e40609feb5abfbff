package com.comfyjobs.recovery;

import com.comfyjobs.config.Env;

/**
 * How much of a ComfyUI server's history one recovery run may read.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>RECOVERY_HISTORY_BYTES</td><td>67108864</td><td>bytes of {@code GET /history} pages one recovery run reads from
 * one server at most (64 KiB to 1 GiB); past it, the jobs its pages did not settle are looked up one by one</td></tr>
 * </table>
 */
public record RecoverySettings(int historyBytes) {
    public static final int DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024;

    public static RecoverySettings defaults() {
        return new RecoverySettings(DEFAULT_HISTORY_BYTES);
    }

    public static RecoverySettings fromEnv(Env env) {
        return new RecoverySettings(env.integer("RECOVERY_HISTORY_BYTES", DEFAULT_HISTORY_BYTES, 64 * 1024, 1024 * 1024 * 1024));
    }
}
