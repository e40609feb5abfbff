package com.comfyjobs.query;

/**
 * What GET /jobs/{id} can answer: the job as the store holds it, or, while the store cannot be
 * reached, what ComfyUI shows of it ({@link DegradedJobView}).
 */
public sealed interface JobReading permits JobView, DegradedJobView {
}
