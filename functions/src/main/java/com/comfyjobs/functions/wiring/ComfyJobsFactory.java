package com.comfyjobs.functions.wiring;

import com.comfyjobs.artifacts.ArtifactSettings;
import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.comfyui.ComfyUiPool;
import com.comfyjobs.comfyui.ComfyUiSettings;
import com.comfyjobs.config.Env;
import com.comfyjobs.config.SecretsManagerReader;
import com.comfyjobs.config.ServiceSettings;
import com.comfyjobs.functions.http.CallerIdentity;
import com.comfyjobs.inputs.InputImageStore;
import com.comfyjobs.inputs.InputSettings;
import com.comfyjobs.inputs.UploadService;
import com.comfyjobs.job.JobStore;
import com.comfyjobs.job.redis.RedisConnection;
import com.comfyjobs.job.redis.RedisJobStore;
import com.comfyjobs.job.redis.RedisSettings;
import com.comfyjobs.observability.JobObserver;
import com.comfyjobs.observability.MetricsJobObserver;
import com.comfyjobs.observability.ObservabilitySettings;
import com.comfyjobs.outbound.UrlFetcher;
import com.comfyjobs.outbound.UrlPolicy;
import com.comfyjobs.progress.Finalizer;
import com.comfyjobs.progress.WebhookService;
import com.comfyjobs.progress.WebhookVerifier;
import com.comfyjobs.query.CancelService;
import com.comfyjobs.query.JobQueryService;
import com.comfyjobs.recovery.RecoveryService;
import com.comfyjobs.submit.Dispatcher;
import com.comfyjobs.submit.InputImages;
import com.comfyjobs.submit.InputStaging;
import com.comfyjobs.submit.RawWorkflows;
import com.comfyjobs.submit.SubmitService;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Map;

/**
 * Builds the shared module's parts from environment variables, once per container. Beans are lazy,
 * so each function pays only for what its handler uses (the list handler never builds a ComfyUI
 * pool). Tests and the local stack provide their own {@link Env} (and may provide a store).
 */
@Factory
public class ComfyJobsFactory {

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
    RedisSettings redisSettings(Env env) {
        String secret = env.raw("REDIS_URL_SECRET_ARN");
        if (secret == null) {
            return RedisSettings.fromEnv(env);
        }
        String value = SecretsManagerReader.fromEnv(env).read(secret, "REDIS_URL_SECRET_ARN");
        return RedisSettings.fromEnv(env.with(Map.of("REDIS_URL", RedisUrlSecret.url(value))));
    }

    @Singleton
    @Bean(preDestroy = "close")
    @Requires(missingBeans = JobStore.class)
    JobStore jobStore(RedisSettings settings, Clock clock) {
        RedisJobStore store = new RedisJobStore(new RedisConnection(settings), clock);
        SnapStartHooks.register(store);
        return store;
    }

    @Singleton
    ComfyUiPool comfyUiPool(Env env, Clock clock) {
        return new ComfyUiPool(ComfyUiSettings.fromEnv(env), clock);
    }

    @Singleton
    @Bean(preDestroy = "close")
    ArtifactStore artifactStore(Env env) {
        return ArtifactStore.create(ArtifactSettings.fromEnv(env));
    }

    @Singleton
    @Requires(missingBeans = JobObserver.class)
    JobObserver jobObserver(Env env) {
        return new MetricsJobObserver(ObservabilitySettings.fromEnv(env), env.string("AWS_LAMBDA_FUNCTION_NAME", "comfyjobs"), System.out);
    }

    /** The webhook secret: WEBHOOK_SECRET (local) or the Secrets Manager secret WEBHOOK_SECRET_ARN names (AWS). */
    @Singleton
    WebhookVerifier webhookVerifier(Env env) {
        String arn = env.raw("WEBHOOK_SECRET_ARN");
        if (arn != null) {
            return WebhookVerifier.fromList(SecretsManagerReader.fromEnv(env).read(arn, "WEBHOOK_SECRET_ARN"), "WEBHOOK_SECRET_ARN");
        }
        return WebhookVerifier.fromList(env.required("WEBHOOK_SECRET"), "WEBHOOK_SECRET");
    }

    @Singleton
    Finalizer finalizer(JobStore store, ComfyUiPool pool, ArtifactStore artifacts, Clock clock, JobObserver observer) {
        return new Finalizer(store, pool, artifacts, clock, observer);
    }

    @Singleton
    WebhookService webhookService(JobStore store, WebhookVerifier verifier, Finalizer finalizer, ComfyUiPool pool,
                                  ServiceSettings settings, Clock clock, JobObserver observer) {
        return new WebhookService(store, verifier, finalizer, pool, settings, clock, observer);
    }

    @Singleton
    RecoveryService recoveryService(JobStore store, ComfyUiPool pool, Dispatcher dispatcher, Finalizer finalizer,
                                    ServiceSettings settings, Clock clock, JobObserver observer) {
        return new RecoveryService(store, pool, dispatcher, finalizer, settings, clock, observer);
    }

    @Singleton
    Dispatcher dispatcher(JobStore store, ComfyUiPool pool, ArtifactStore bucket, ServiceSettings settings, Clock clock, JobObserver observer) {
        return new Dispatcher(store, pool, new InputStaging(pool, bucket), settings, clock, observer);
    }

    @Singleton
    SubmitService submitService(JobStore store, ComfyUiPool pool, Dispatcher dispatcher, InputImages images, Env env,
                                ServiceSettings settings, Clock clock, JobObserver observer) {
        return new SubmitService(store, pool, dispatcher, images, RawWorkflows.fromEnv(env), settings, clock, observer);
    }

    /** Fetches input images from caller URLs under the URL rules (ALLOW_PRIVATE_URLS). */
    @Singleton
    @Bean(preDestroy = "close")
    UrlFetcher urlFetcher(Env env) {
        return new UrlFetcher(UrlPolicy.fromEnv(env), InputSettings.URL_CONNECT_TIMEOUT, InputSettings.URL_READ_TIMEOUT,
                InputSettings.URL_DEADLINE);
    }

    @Singleton
    InputImages inputImages(ArtifactStore bucket, UrlFetcher urls, Env env, Clock clock) {
        return new InputImageStore(bucket, urls, InputSettings.fromEnv(env), clock);
    }

    @Singleton
    UploadService uploadService(ArtifactStore bucket, Clock clock) {
        return new UploadService(bucket, clock);
    }

    @Singleton
    JobQueryService jobQueryService(JobStore store, ArtifactStore artifacts) {
        return new JobQueryService(store, artifacts);
    }

    @Singleton
    CancelService cancelService(JobStore store, ComfyUiPool pool, Clock clock, JobObserver observer) {
        return new CancelService(store, pool, clock, observer);
    }
}
