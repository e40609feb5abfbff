package com.comfyjobs.submit;

import com.comfyjobs.comfyui.PromptGraph;
import com.comfyjobs.job.Job;

/** A new job as a submit writes it, and the graph its first attempt sends (made once: the job records its hash). */
record FirstAttempt(Job job, PromptGraph graph) {
}
