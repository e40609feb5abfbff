package com.comfyjobs.secrets;

import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The secrets one function reads. Each comes from the Secrets Manager secret its {@code *_SECRET_ARN}
 * variable names (in AWS; template.yaml sets only those), or else from a plain variable holding the
 * value (local runs and tests). One {@link Secret} per variable, shared by all that ask for it, so a
 * container reads each secret at most once per TTL.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>SECRETS_TTL_SECONDS</td><td>300</td><td>how long a value read from Secrets Manager is used before it is
 * read again (1-3600): a rotated or revoked secret takes effect within it</td></tr>
 * <tr><td>SECRETS_MANAGER_ENDPOINT</td><td>the region's</td><td>another Secrets Manager (tests against moto)</td></tr>
 * </table>
 *
 * <p>No Secrets Manager client is built until a {@code *_SECRET_ARN} variable is met, so local runs
 * never need AWS credentials for it.
 */
public final class Secrets implements AutoCloseable {
    private static final Duration DEFAULT_TTL = Duration.ofSeconds(300);

    private final Env env;
    private final Clock clock;
    private final Duration ttl;
    private final Supplier<SecretsManagerReader> readers;
    private final Map<String, Secret> fromSecretsManager = new ConcurrentHashMap<>();
    private SecretsManagerReader reader;

    /** @param readers builds the one Secrets Manager reader, when the first secret needs it */
    public Secrets(Env env, Clock clock, Supplier<SecretsManagerReader> readers) {
        this.env = env;
        this.clock = clock;
        this.readers = readers;
        this.ttl = env.seconds("SECRETS_TTL_SECONDS", DEFAULT_TTL, Duration.ofSeconds(1), Duration.ofHours(1));
    }

    /** Secrets Manager at its regional endpoint (or SECRETS_MANAGER_ENDPOINT), with the default credential chain. */
    public static Secrets fromEnv(Env env, Clock clock) {
        return new Secrets(env, clock, () -> SecretsManagerReader.fromEnv(env));
    }

    /** The secret {@code arnVariable} names, when it is set. Nothing is read until the secret's first {@link Secret#get()}. */
    public Optional<Secret> secret(String arnVariable) {
        String arn = env.raw(arnVariable);
        if (arn == null) {
            return Optional.empty();
        }
        return Optional.of(fromSecretsManager.computeIfAbsent(arnVariable, v -> new Secret(v, arn, reader(), ttl, clock)));
    }

    /** The secret {@code arnVariable} names, else the value of {@code plainVariable}; empty when neither is set. */
    public Optional<Secret> optional(String arnVariable, String plainVariable) {
        Optional<Secret> managed = secret(arnVariable);
        if (managed.isPresent()) {
            return managed;
        }
        String plain = env.raw(plainVariable);
        return plain == null ? Optional.empty() : Optional.of(Secret.fixed(plainVariable, plain));
    }

    /** As {@link #optional}, but one of the two variables must be set. */
    public Secret required(String arnVariable, String plainVariable) {
        return optional(arnVariable, plainVariable).orElseThrow(() ->
                new ConfigException(arnVariable + " (or, in local runs, " + plainVariable + ") is required but not set"));
    }

    /** Every value read from Secrets Manager is read again on its next use (after a SnapStart restore). */
    public void invalidate() {
        fromSecretsManager.values().forEach(Secret::invalidate);
    }

    private synchronized SecretsManagerReader reader() {
        if (reader == null) {
            reader = readers.get();
        }
        return reader;
    }

    @Override
    public synchronized void close() {
        if (reader != null) {
            reader.close();
        }
    }
}
