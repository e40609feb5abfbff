package com.comfyjobs.submit;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.job.Caller;
import java.util.Locale;

/**
 * Who may submit a workflow of their own (POST /jobs with {@code workflow}) rather than run a
 * published template: a raw workflow can run any node the ComfyUI servers have.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>RAW_WORKFLOWS</td><td>admins</td><td>admins: only admins (ADMIN_CLAIM); all: every caller; off: nobody</td></tr>
 * </table>
 */
public enum RawWorkflows {
    ADMINS, ALL, OFF;

    public static RawWorkflows fromEnv(Env env) {
        String v = env.string("RAW_WORKFLOWS", "admins");
        try {
            return valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("RAW_WORKFLOWS must be admins, all or off, was '" + v + "'");
        }
    }

    public boolean allows(Caller caller) {
        return this == ALL || this == ADMINS && caller.admin();
    }
}
