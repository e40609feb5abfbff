package com.comfyjobs.functions.wiring;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.auth.JwtVerifier;
import com.comfyjobs.callbacks.CallbackDrainer;
import com.comfyjobs.callbacks.CallbackSender;
import com.comfyjobs.callbacks.SecretBox;
import com.comfyjobs.callbacks.WebhookSecretService;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.config.ConfigException;
import com.comfyjobs.config.Env;
import com.comfyjobs.config.JobStoreType;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.functions.http.CallerIdentity;
import com.comfyjobs.inputs.InputImageStore;
import com.comfyjobs.inputs.InputSettings;
import com.comfyjobs.inputs.UploadService;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.live.LiveConnections;
import com.comfyjobs.live.LiveService;
import com.comfyjobs.live.LiveSettings;
import com.comfyjobs.live.LiveUpdates;
import com.comfyjobs.live.push.LivePusher;
import com.comfyjobs.live.push.ManagementApi;
import com.comfyjobs.live.redis.RedisLiveConnections;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.MetricsJobObserver;
import com.comfyjobs.observability.ObservabilitySettings;
import com.comfyjobs.outbound.UrlFetcher;
import com.comfyjobs.outbound.UrlPolicy;
import com.comfyjobs.progress.Finalizer;
import com.comfyjobs.progress.WebhookService;
import com.comfyjobs.progress.WebhookVerifier;
import com.comfyjobs.query.CancelService;
import com.comfyjobs.query.DeleteArtifactsService;
import com.comfyjobs.query.JobQueryService;
import com.comfyjobs.query.JobViews;
import com.comfyjobs.recovery.RecoveryService;
import com.comfyjobs.recovery.RecoverySettings;
import com.comfyjobs.secrets.Secret;
import com.comfyjobs.secrets.Secrets;
import com.comfyjobs.submit.Dispatcher;
import com.comfyjobs.submit.InputImages;
import com.comfyjobs.submit.InputStaging;
import com.comfyjobs.submit.RawWorkflows;
import com.comfyjobs.submit.SubmitService;
import com.comfyjobs.templates.TemplateService;
import com.comfyjobs.templates.TemplateSettings;
import com.comfyjobs.templates.TemplateStore;
import com.comfyjobs.templates.redis.RedisTemplateStore;
import com.comfyjobs.usage.UsageService;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Named;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Builds the shared module's parts from environment variables, once per container. Beans are lazy,
 * so each function pays only for what its handler uses (the list handler never builds a ComfyUI
 * pool). Tests and the local stack provide their own {@link Env} (and may provide a store).
 *
 * <p>Secrets come through {@link Secrets}, from Secrets Manager in AWS: what holds one for long (the
 * webhook verifier, the ComfyUI header, the PostHog client, the Redis connection) asks for it each
 * time it needs it, so a rotated value applies within SECRETS_TTL_SECONDS. The webhook secret, the
 * ComfyUI header and the Redis URL are read when their bean is built, at init: a secret that is
 * missing, unreadable or malformed stops the function there (with SnapStart, the version's
 * publication), with a message naming its variable. The PostHog key is read at the first analytics
 * event, so only the functions that send events need to be able to read it. The key that seals
 * callers' callback signing secrets is read when its bean is built too: only the functions that sign
 * callbacks or hand out those secrets build it.
 */
@Factory
public class ComfyJobsFactory {
    /** Callbacks one container sends at once (the schedule's senders; connections to one receiver's host). */
    private static final int CALLBACK_CONCURRENCY = 16;

    @Singleton
    @Requires(missingBeans = Env.class)
    Env env() {
        return Env.system();
    }

    @Singleton
    @Requires(missingBeans = Clock.class)
    Clock clock() {
        return Clock.systemUTC();
    }

    @Singleton
    ServiceSettings serviceSettings(Env env) {
        return ServiceSettings.fromEnv(env);
    }

    @Singleton
    CallerIdentity callerIdentity(Env env) {
        return CallerIdentity.fromEnv(env);
    }

    @Singleton
    @Bean(preDestroy = "close")
    @Requires(missingBeans = Secrets.class)
    Secrets secrets(Env env, Clock clock) {
        Secrets secrets = Secrets.fromEnv(env, clock);
        SnapStartHooks.register(secrets);
        return secrets;
    }

    /** REDIS_URL, or the URL in the secret REDIS_URL_SECRET_ARN names as it reads at start. */
    @Singleton
    RedisSettings redisSettings(Env env, Secrets secrets) {
        Optional<Secret> secret = secrets.secret("REDIS_URL_SECRET_ARN");
        if (secret.isEmpty()) {
            return RedisSettings.fromEnv(env);
        }
        return RedisSettings.fromEnv(env.with(Map.of("REDIS_URL", RedisUrlSecret.url(secret.get().get()).toString())));
    }

    /**
     * The Redis store, for JOB_STORE_TYPE=redis only: a process that runs another store (the local
     * stack) registers it, so reaching this with another type means it did not, and silently using
     * Redis instead would put the jobs somewhere the operator did not choose.
     */
    @Singleton
    @Bean(preDestroy = "close")
    @Requires(missingBeans = JobStore.class)
    JobStore jobStore(Env env, RedisSettings settings, Secrets secrets, Clock clock) {
        JobStoreType type = JobStoreType.fromEnv(env);
        if (type != JobStoreType.REDIS) {
            throw new ConfigException("JOB_STORE_TYPE is " + type.wire() + ", whose store the process running these services must"
                    + " provide; this one provides none, and the Redis store is for JOB_STORE_TYPE=redis only");
        }
        Supplier<URI> url = secrets.secret("REDIS_URL_SECRET_ARN").map(RedisUrlSecret::reading).orElse(settings::url);
        RedisJobStore store = new RedisJobStore(new RedisConnection(settings, url), clock);
        SnapStartHooks.register(store);
        return store;
    }

    @Singleton
    ComfyUiPool comfyUiPool(Env env, Secrets secrets, Clock clock) {
        return new ComfyUiPool(ComfyUiSettings.fromEnv(env, secrets), clock);
    }

    @Singleton
    @Bean(preDestroy = "close")
    ArtifactStore artifactStore(Env env) {
        ArtifactStore artifacts = ArtifactStore.create(ArtifactSettings.fromEnv(env));
        SnapStartHooks.register(artifacts);
        return artifacts;
    }

    @Singleton
    @Requires(missingBeans = JobObserver.class)
    JobObserver jobObserver(Env env, Secrets secrets) {
        Secret postHogKey = secrets.optional("POSTHOG_API_KEY_SECRET_ARN", "POSTHOG_API_KEY").orElse(null);
        return new MetricsJobObserver(ObservabilitySettings.fromEnv(env, postHogKey), env.string("AWS_LAMBDA_FUNCTION_NAME", "comfyjobs"),
                System.out);
    }

    /** The webhook secret: the Secrets Manager secret WEBHOOK_SECRET_ARN names (AWS), or WEBHOOK_SECRET (local). */
    @Singleton
    WebhookVerifier webhookVerifier(Secrets secrets) {
        Secret secret = secrets.required("WEBHOOK_SECRET_ARN", "WEBHOOK_SECRET");
        return new WebhookVerifier(secret, secret.variable());
    }

    @Singleton
    Finalizer finalizer(JobStore store, ComfyUiPool pool, ArtifactStore artifacts, Clock clock, JobObserver observer, LiveUpdates live) {
        return new Finalizer(store, pool, artifacts, clock, observer, live);
    }

    @Singleton
    WebhookService webhookService(JobStore store, WebhookVerifier verifier, Finalizer finalizer, ComfyUiPool pool,
                                  ServiceSettings settings, Clock clock, JobObserver observer, CallbackSender callbacks,
                                  LiveUpdates live) {
        return new WebhookService(store, verifier, finalizer, pool, settings, clock, observer, callbacks, live);
    }

    /** The key that seals callers' signing secrets: the secret CALLBACK_SECRETS_KEY_ARN names (AWS), or CALLBACK_SECRETS_KEY (local). */
    @Singleton
    SecretBox callbackSecretBox(Secrets secrets) {
        Secret key = secrets.required("CALLBACK_SECRETS_KEY_ARN", "CALLBACK_SECRETS_KEY");
        return new SecretBox(key, key.variable());
    }

    @Singleton
    WebhookSecretService webhookSecretService(JobStore store, SecretBox box, Clock clock) {
        return new WebhookSecretService(store, box, clock);
    }

    /** Callbacks go to callers' URLs under the same rules as input images (ALLOW_PRIVATE_URLS), with their own timeouts. */
    @Singleton
    @Named("callbacks")
    @Bean(preDestroy = "close")
    UrlFetcher callbackHttp(Env env) {
        return new UrlFetcher(UrlPolicy.fromEnv(env), CallbackSender.TIMEOUT, CallbackSender.TIMEOUT, CallbackSender.TIMEOUT,
                CALLBACK_CONCURRENCY);
    }

    @Singleton
    CallbackSender callbackSender(JobStore store, JobViews views, WebhookSecretService secrets, @Named("callbacks") UrlFetcher http,
                                  ServiceSettings settings, Clock clock, JobObserver observer) {
        return new CallbackSender(store, views, secrets, http, settings, clock, observer);
    }

    @Singleton
    @Bean(preDestroy = "close")
    CallbackDrainer callbackDrainer(JobStore store, CallbackSender sender, Clock clock) {
        return new CallbackDrainer(store, sender, clock, CALLBACK_CONCURRENCY);
    }

    @Singleton
    RecoveryService recoveryService(JobStore store, ComfyUiPool pool, Dispatcher dispatcher, Finalizer finalizer,
                                    ServiceSettings settings, Env env, Clock clock, JobObserver observer, LiveUpdates live) {
        return new RecoveryService(store, pool, dispatcher, finalizer, settings, RecoverySettings.fromEnv(env), clock, observer, live);
    }

    @Singleton
    Dispatcher dispatcher(JobStore store, ComfyUiPool pool, ArtifactStore bucket, ServiceSettings settings, Clock clock, JobObserver observer,
                          LiveUpdates live) {
        return new Dispatcher(store, pool, new InputStaging(pool, bucket), settings, clock, observer, live);
    }

    /** WebSocket connections live beside the jobs, on the job store's Redis connection. */
    @Singleton
    @Requires(missingBeans = LiveConnections.class)
    LiveConnections liveConnections(JobStore store) {
        if (store instanceof RedisJobStore redis) {
            return new RedisLiveConnections(redis.connection());
        }
        throw new ConfigException("WebSocket connections are kept in the jobs' Redis; a context with another JobStore ("
                + store.getClass().getSimpleName() + ") must provide LiveConnections too");
    }

    @Singleton
    LiveService liveService(JobStore store, LiveConnections connections, Clock clock) {
        return new LiveService(store, connections, clock);
    }

    /**
     * Pushes to WebSocket connections through the Management API at WEBSOCKET_ENDPOINT; without one (a
     * deployment or local run with no WebSocket API) nothing is pushed. Nothing is built here unless a
     * push can happen: the Management API client only when the endpoint is set.
     */
    @Singleton
    LiveUpdates liveUpdates(Env env, JobStore store, Provider<JobViews> views, Provider<LiveService> live, Clock clock) {
        LiveSettings settings = LiveSettings.fromEnv(env);
        if (settings.endpoint().isEmpty()) {
            return LiveUpdates.NONE;
        }
        ManagementApi api = ManagementApi.create(settings.endpoint().get(), settings.region());
        return new LivePusher(store, views.get(), api, live.get(), clock, LivePusher.timer(clock));
    }

    /** The WebSocket API's authorizer: JWT_ISSUER, JWT_AUDIENCE, JWT_USER_CLAIM. */
    @Singleton
    JwtVerifier jwtVerifier(Env env) {
        return JwtVerifier.fromEnv(env);
    }

    @Singleton
    SubmitService submitService(JobStore store, ComfyUiPool pool, Dispatcher dispatcher, TemplateService templates, InputImages images,
                                Env env, ServiceSettings settings, Clock clock, JobObserver observer) {
        return new SubmitService(store, pool, dispatcher, templates, images, RawWorkflows.fromEnv(env), UrlPolicy.fromEnv(env), settings,
                clock, observer);
    }

    /** Fetches input images from caller URLs under the URL rules (ALLOW_PRIVATE_URLS). */
    @Singleton
    @Named("inputImages")
    @Bean(preDestroy = "close")
    UrlFetcher urlFetcher(Env env) {
        return new UrlFetcher(UrlPolicy.fromEnv(env), InputSettings.URL_CONNECT_TIMEOUT, InputSettings.URL_READ_TIMEOUT,
                InputSettings.URL_DEADLINE);
    }

    @Singleton
    InputImages inputImages(ArtifactStore bucket, @Named("inputImages") UrlFetcher urls, Env env, Clock clock) {
        return new InputImageStore(bucket, urls, InputSettings.fromEnv(env), clock);
    }

    @Singleton
    UploadService uploadService(ArtifactStore bucket, Clock clock) {
        return new UploadService(bucket, clock);
    }

    /** Templates live beside the jobs, on the job store's Redis connection. */
    @Singleton
    @Requires(missingBeans = TemplateStore.class)
    TemplateStore templateStore(JobStore store) {
        if (store instanceof RedisJobStore redis) {
            return new RedisTemplateStore(redis.connection());
        }
        throw new ConfigException("templates are kept in the jobs' Redis; a context with another JobStore ("
                + store.getClass().getSimpleName() + ") must provide a TemplateStore too");
    }

    /** The ComfyUI pool only when a publish needs it: the read functions never build it. */
    @Singleton
    TemplateService templateService(TemplateStore store, Provider<ComfyUiPool> pool, Env env, Clock clock) {
        return new TemplateService(store, pool::get, TemplateSettings.fromEnv(env), clock);
    }

    @Singleton
    JobViews jobViews(ArtifactStore artifacts) {
        return new JobViews(artifacts);
    }

    @Singleton
    JobQueryService jobQueryService(JobStore store, ArtifactStore artifacts, Provider<ComfyUiPool> pool, ServiceSettings settings,
                                    Clock clock) {
        return new JobQueryService(store, artifacts, pool::get, settings.maxAttempts(), clock);
    }

    @Singleton
    UsageService usageService(JobStore store, Clock clock) {
        return new UsageService(store, clock);
    }

    @Singleton
    DeleteArtifactsService deleteArtifactsService(JobStore store, ArtifactStore artifacts) {
        return new DeleteArtifactsService(store, artifacts);
    }

    @Singleton
    CancelService cancelService(JobStore store, ComfyUiPool pool, Clock clock, JobObserver observer, LiveUpdates live) {
        return new CancelService(store, pool, clock, observer, live);
    }
}
