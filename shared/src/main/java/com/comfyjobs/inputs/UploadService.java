package com.comfyjobs.inputs;

import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.job.Caller;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * POST /uploads: a place in the bucket for one image of the caller's, under the caller's own user,
 * and a presigned URL to PUT it to. Nothing is checked here: the image's size and type are checked
 * when a job uses it, and an upload unused for UPLOAD_TTL_HOURS is refused ({@link InputImageStore}).
 */
public final class UploadService {
    /** How long the PUT URL works; the upload itself is usable for UPLOAD_TTL_HOURS after the PUT. */
    public static final Duration URL_TTL = Duration.ofMinutes(15);

    private final InputObjects objects;
    private final Clock clock;

    public UploadService(ArtifactStore bucket, Clock clock) {
        this.objects = new InputObjects(bucket);
        this.clock = clock;
    }

    public NewUpload create(Caller caller) {
        String id = UUID.randomUUID().toString();
        Instant expires = clock.instant().truncatedTo(ChronoUnit.SECONDS).plus(URL_TTL);
        return new NewUpload(id, objects.presignPut(InputKeys.upload(caller.userId(), id), URL_TTL), expires);
    }
}
