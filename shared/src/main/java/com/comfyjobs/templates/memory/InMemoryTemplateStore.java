package com.comfyjobs.templates.memory;

import com.comfyjobs.templates.PublishResult;
import com.comfyjobs.templates.StoredTemplate;
import com.comfyjobs.templates.TemplateStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link TemplateStore} in one JVM, for tests and the fast tier; the same semantics as the Redis store. */
public final class InMemoryTemplateStore implements TemplateStore {
    private final Map<String, Versions> templates = new HashMap<>();
    private final Set<String> live = new HashSet<>();

    /** One template's versions (index 0 is version 1), its latest body's hash and the op that made it. */
    private static final class Versions {
        final List<String> bodies = new ArrayList<>();
        String sha256;
        String opId;
    }

    @Override
    public synchronized PublishResult publish(String name, String body, String sha256, String opId) {
        Versions v = templates.computeIfAbsent(name, n -> new Versions());
        if (opId.equals(v.opId)) {
            return new PublishResult(PublishResult.Outcome.PUBLISHED, v.bodies.size());
        }
        if (live.contains(name) && sha256.equals(v.sha256)) {
            return new PublishResult(PublishResult.Outcome.UNCHANGED, v.bodies.size());
        }
        v.bodies.add(body);
        v.sha256 = sha256;
        v.opId = opId;
        live.add(name);
        return new PublishResult(PublishResult.Outcome.PUBLISHED, v.bodies.size());
    }

    @Override
    public synchronized Optional<StoredTemplate> latest(String name) {
        Versions v = templates.get(name);
        return live.contains(name) ? Optional.of(new StoredTemplate(name, v.bodies.size(), v.bodies.get(v.bodies.size() - 1)))
                : Optional.empty();
    }

    @Override
    public synchronized Optional<StoredTemplate> version(String name, int version) {
        Versions v = templates.get(name);
        if (!live.contains(name) || version < 1 || version > v.bodies.size()) {
            return Optional.empty();
        }
        return Optional.of(new StoredTemplate(name, version, v.bodies.get(version - 1)));
    }

    @Override
    public synchronized List<StoredTemplate> list() {
        List<StoredTemplate> out = new ArrayList<>();
        live.forEach(name -> out.add(latest(name).orElseThrow()));
        return out;
    }

    @Override
    public synchronized boolean retire(String name) {
        if (!templates.containsKey(name)) {
            return false;
        }
        live.remove(name);
        return true;
    }
}
