package com.comfyjobs.inputs;

import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.job.ImageType;
import com.comfyjobs.job.JobInput;
import com.comfyjobs.outbound.UrlFetcher;
import com.comfyjobs.outbound.UrlRefusedException;
import com.comfyjobs.submit.InputImages;
import com.comfyjobs.submit.SubmissionRefusedException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Takes a job's input images into the bucket, each as the job's own copy under
 * {@code inputs/<job id>/<param>}, where dispatch finds it for every attempt:
 * <ul>
 * <li>{@code {"upload": id}}: the caller's own upload ({@code uploads/<user>/<id>}), at most
 *     INPUT_IMAGE_MAX_BYTES, PUT within UPLOAD_TTL_HOURS; an id of another user's names nothing there,
 *     so it is refused exactly like an unknown or expired one ("unknown upload");
 * <li>{@code data:image/(png|jpeg|webp);base64,...}: decoded within the same cap;
 * <li>an {@code https} URL, fetched under the URL rules ({@link com.comfyjobs.outbound.UrlPolicy}).
 * </ul>
 * Whatever the source, the bytes must be a PNG, JPEG or WebP image by their first bytes. Every check
 * is made before anything is written, so a refused image leaves nothing behind.
 */
public final class InputImageStore implements InputImages {
    private final InputObjects objects;
    private final UrlFetcher urls;
    private final InputSettings settings;
    private final Clock clock;

    public InputImageStore(ArtifactStore bucket, UrlFetcher urls, InputSettings settings, Clock clock) {
        this.objects = new InputObjects(bucket);
        this.urls = urls;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public JobInput accept(String userId, String jobId, String param, JsonNode source, List<String> binds) {
        String key = InputKeys.input(jobId, param);
        try {
            ImageType type;
            if (source != null && source.isObject() && source.size() == 1 && source.path("upload").isTextual()) {
                type = fromUpload(userId, source.get("upload").textValue(), key);
            } else if (source != null && source.isTextual() && startsWithIgnoringCase(source.textValue(), "data:")) {
                DataUri uri = DataUri.parse(source.textValue(), settings.maxImageBytes());
                type = stored(uri.bytes(), key);
            } else if (source != null && source.isTextual() && (startsWithIgnoringCase(source.textValue(), "https://")
                    || startsWithIgnoringCase(source.textValue(), "http://"))) {
                type = stored(urls.get(source.textValue(), settings.maxImageBytes()), key);
            } else {
                throw new ImageRefusal("an image is {\"upload\": \"<id>\"}, a data:image/...;base64, URI or an https URL");
            }
            return new JobInput(param, key, type.contentType(), binds);
        } catch (ImageRefusal | UrlRefusedException e) {
            throw SubmissionRefusedException.imageRefused("image " + quoted(param) + ": " + e.getMessage());
        } catch (SdkException e) {
            throw new SubmissionRefusedException(SubmissionRefusedException.Reason.IMAGE_STORAGE_UNAVAILABLE,
                    "input images cannot be stored right now; retry shortly", Duration.ofSeconds(5));
        }
    }

    /** Checks the caller's upload (exists under this user, fresh, small enough, an image) and copies that very version. */
    private ImageType fromUpload(String userId, String uploadId, String key) {
        if (!InputKeys.UPLOAD_ID.matcher(uploadId).matches()) {
            throw unknownUpload();
        }
        String upload = InputKeys.upload(userId, uploadId);
        Optional<InputObjects.Head> head = objects.head(upload);
        if (head.isEmpty() || head.get().lastModified().plus(settings.uploadTtl()).isBefore(clock.instant())) {
            throw unknownUpload();
        }
        if (head.get().size() > settings.maxImageBytes()) {
            throw new ImageRefusal("the upload is larger than " + settings.maxImageBytes() + " bytes");
        }
        ImageType type = sniff(objects.firstBytes(upload, ImageType.SNIFF_BYTES, head.get().etag()));
        objects.copy(upload, key, head.get().etag(), type.contentType());
        return type;
    }

    private ImageType stored(byte[] bytes, String key) {
        ImageType type = sniff(bytes);
        objects.put(key, bytes, type.contentType());
        return type;
    }

    private static ImageType sniff(byte[] head) {
        return ImageType.sniff(head).orElseThrow(() -> new ImageRefusal("it is not a PNG, JPEG or WebP image"));
    }

    private static ImageRefusal unknownUpload() {
        return new ImageRefusal("unknown upload (an id POST /uploads gave you, its image PUT within UPLOAD_TTL_HOURS)");
    }

    private static boolean startsWithIgnoringCase(String s, String prefix) {
        return s.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    private static String quoted(String callerText) {
        String clean = callerText.replaceAll("\\p{Cntrl}", "?");
        return "\"" + (clean.length() > 64 ? clean.substring(0, 64) + "..." : clean) + "\"";
    }
}
