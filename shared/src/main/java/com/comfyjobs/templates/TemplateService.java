package com.comfyjobs.templates;

import com.comfyjobs.comfyui.ComfyUiClient;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.FileInputViolation;
import com.comfyjobs.comfyui.FileInputs;
import com.comfyjobs.comfyui.ObjectInfo;
import com.comfyjobs.comfyui.Reply;
import com.comfyjobs.job.Caller;
import com.comfyjobs.job.StoredDataException;
import com.comfyjobs.job.Workflow;
import com.comfyjobs.observability.JsonLog;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Workflow templates: listing, reading, publishing and retiring them (GET, PUT and DELETE
 * /templates), and binding a job's params into one (POST /jobs with a template). Publishing and
 * retiring are for admins. A publish is checked in full before anything is stored: the body
 * ({@link TemplateDefinition}), then, when a ComfyUI server answers {@code /object_info}, every node
 * class and input the graph names (without an answer that check is skipped: ComfyUI still checks
 * every job), and always the file rule ({@link FileInputs}). Reads go through a per-container cache ({@link TemplateSettings}).
 */
public final class TemplateService {
    /** Far above a large ComfyUI graph (some hundreds of nodes); a job stores its bound copy. */
    public static final int MAX_TEMPLATE_BYTES = 512 * 1024;
    private static final int MAX_DEPTH = 64;
    private static final ObjectMapper STRICT = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final TemplateStore store;
    private final Supplier<ComfyUiPool> pool;
    private final TemplateCache cache;
    private final RandomGenerator random = new SecureRandom();

    /** @param pool the ComfyUI servers, asked for only when a template is published (reads and jobs never build it) */
    public TemplateService(TemplateStore store, Supplier<ComfyUiPool> pool, TemplateSettings settings, Clock clock) {
        this.store = store;
        this.pool = pool;
        this.cache = new TemplateCache(settings.cacheFor(), clock);
    }

    /** The latest version of every template not retired, by name; a version this container parsed lately is not parsed again. */
    public List<Template> list() {
        return store.list().stream().map(s -> cache.get(s.name(), s.version(), () -> Optional.of(load(s))).orElseThrow())
                .sorted(Comparator.comparing(Template::name)).toList();
    }

    /** The latest version; 404 for a template that is not published or was retired. */
    public Template get(String name) {
        TemplateNames.check(name);
        return cache.get(name, null, () -> store.latest(name).map(TemplateService::load))
                .orElseThrow(() -> notFound(name));
    }

    /**
     * Publishes {@code body} as the template's next version, or answers the version that has it
     * already. Idempotent: the same body again, or this request sent again after its answer was lost,
     * answers the same version.
     */
    public PublishedTemplate publish(Caller caller, String name, byte[] body) {
        requireAdmin(caller, "publish");
        TemplateNames.check(name);
        if (body == null || body.length == 0) {
            throw invalid("the body is empty; send the template: {\"type\", \"description\", \"workflow\", \"params\", \"limits\"}");
        }
        if (body.length > MAX_TEMPLATE_BYTES) {
            throw new TemplateRefusedException(TemplateRefusedException.Reason.TOO_LARGE, "the template is " + body.length
                    + " bytes; the limit is " + MAX_TEMPLATE_BYTES);
        }
        TemplateDefinition definition = TemplateDefinition.parse(read(body));
        checkAgainstComfyUi(definition);
        PublishResult r = store.publish(name, definition.canonicalJson(), definition.sha256(), UUID.randomUUID().toString());
        cache.forget(name);
        JsonLog.info("template publish", "template", name, "version", r.version(), "outcome", r.outcome().name(), "by", caller.userId());
        return new PublishedTemplate(new Template(name, r.version(), definition), r.outcome());
    }

    /** Retires the template: no longer listed or usable for new jobs; its jobs keep the graph they were bound from. */
    public void retire(Caller caller, String name) {
        requireAdmin(caller, "retire");
        TemplateNames.check(name);
        if (!store.retire(name)) {
            throw notFound(name);
        }
        cache.forget(name);
        JsonLog.info("template retired", "template", name, "by", caller.userId());
    }

    /**
     * A job's params bound into the template it names: the latest version, or the one it asks for.
     *
     * @throws TemplateRefusedException UNKNOWN_TEMPLATE, INVALID_PARAMS or LIMIT_EXCEEDED
     */
    public BoundTemplate bind(TemplateCall call) {
        Optional<Template> t = cache.get(call.name(), call.version(), () -> (call.version() == null
                ? store.latest(call.name()) : store.version(call.name(), call.version())).map(TemplateService::load));
        if (t.isEmpty()) {
            throw new TemplateRefusedException(TemplateRefusedException.Reason.UNKNOWN_TEMPLATE, "template '" + call.name() + "'"
                    + (call.version() == null ? "" : " version " + call.version()) + " is not published (or was retired); GET /templates lists the templates");
        }
        return TemplateBinder.bind(t.get(), call.params(), random);
    }

    /**
     * The graph against a ComfyUI server's node classes when one answers, and against the file rule
     * always: an input that loads a file may be filled only by an image param, so no default and no
     * other param's value (caller text) ever names a file.
     */
    private void checkAgainstComfyUi(TemplateDefinition definition) {
        ObjectInfo info = nodeClasses();
        List<FieldError> errors = new ArrayList<>();
        if (info.isKnown()) {
            errors.addAll(ObjectInfoCheck.check(definition.workflow(), info));
        }
        Set<String> filledByImages = new HashSet<>();
        definition.params().values().stream().filter(TemplateParam::image)
                .forEach(p -> p.binds().forEach(b -> filledByImages.add(b.toString())));
        for (FileInputViolation v : FileInputs.check(Workflow.parse(definition.workflow().toString()), filledByImages, info)) {
            errors.add(new FieldError(FieldError.pointer("workflow", v.nodeId(), "inputs", v.input()), v.problem()));
        }
        if (!errors.isEmpty()) {
            throw new TemplateRefusedException(TemplateRefusedException.Reason.INVALID_TEMPLATE, "the workflow has "
                    + (errors.size() == 1 ? "a node or input" : errors.size() + " nodes or inputs") + " ComfyUI would not run as published: "
                    + errors.get(0).pointer() + " " + errors.get(0).message(), errors);
        }
    }

    private ObjectInfo nodeClasses() {
        Optional<ComfyUiClient> server = pool.get().choose();
        if (server.isEmpty()) {
            JsonLog.warn("template published without its node classes checked: no ComfyUI server answered");
            return ObjectInfo.unknown();
        }
        Reply<ObjectInfo> info = pool.get().objectInfo(server.get());
        if (info instanceof Reply.Unavailable<ObjectInfo> u) {
            JsonLog.warn("template published without its node classes checked: GET /object_info failed", "reason", u.reason());
            return ObjectInfo.unknown();
        }
        return ((Reply.Ok<ObjectInfo>) info).value();
    }

    private static JsonNode read(byte[] body) {
        try {
            return STRICT.readTree(body);
        } catch (StreamConstraintsException e) {
            throw invalid("the body nests deeper than " + MAX_DEPTH + " levels");
        } catch (IOException e) {
            throw invalid("the body is not valid JSON");
        }
    }

    private static Template load(StoredTemplate s) {
        try {
            return new Template(s.name(), s.version(), TemplateDefinition.parse(STRICT.readTree(s.body())));
        } catch (IOException | TemplateRefusedException e) {
            throw new StoredDataException("stored template " + s.name() + " version " + s.version() + " is unreadable", e);
        }
    }

    private static void requireAdmin(Caller caller, String what) {
        if (!caller.admin()) {
            throw new TemplateRefusedException(TemplateRefusedException.Reason.NOT_ADMIN, "only admins " + what + " templates");
        }
    }

    private static TemplateRefusedException notFound(String name) {
        return new TemplateRefusedException(TemplateRefusedException.Reason.NOT_FOUND, "template '" + name
                + "' is not published (or was retired)");
    }

    private static TemplateRefusedException invalid(String detail) {
        return new TemplateRefusedException(TemplateRefusedException.Reason.INVALID_TEMPLATE, detail);
    }
}
