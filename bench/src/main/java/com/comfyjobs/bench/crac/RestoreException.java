package com.comfyjobs.bench.crac;

/** A restore some resource failed; each failure is a suppressed exception, as org.crac reports them. */
public class RestoreException extends Exception {
    private static final long serialVersionUID = 1L;
}
