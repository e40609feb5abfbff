package com.comfyjobs.query;

/** Too late to cancel: the job ended otherwise, or ComfyUI finished it and its outputs are being saved. */
public final class CancelRefusedException extends RuntimeException {
    public CancelRefusedException(String detail) {
        super(detail);
    }
}
