package com.comfyjobs.job;

/** An owed push claimed ({@link JobStore#claimPush}): the job as it is now and whom to push it to. */
public record ClaimedPush(Job job, Listening listening) {
}
