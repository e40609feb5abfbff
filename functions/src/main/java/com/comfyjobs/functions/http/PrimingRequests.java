package com.comfyjobs.functions.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.comfyjobs.artifacts.ArtifactKeys;
import com.comfyjobs.job.Job;
import com.comfyjobs.job.JobArtifact;
import com.comfyjobs.job.JobStatus;
import com.comfyjobs.job.JobType;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The synthetic requests handlers prime themselves with before a SnapStart snapshot (see
 * {@code LazyHandler.prime}): shaped as API Gateway delivers them, from a caller no token names, about
 * a job id no submit can draw (job ids are random version 4 UUIDs; this one is all zeros but for its
 * version and variant bits), so that every such request ends in a read that finds nothing.
 */
public final class PrimingRequests {
    /** The synthetic caller: {@code sub} claims of real tokens are issuer-assigned ids, never this. */
    public static final String USER = "snapstart-priming";
    public static final String NO_JOB = "00000000-0000-4000-8000-000000000000";

    private PrimingRequests() {
    }

    /** {@code route} as API Gateway names it ({@code "GET /jobs/{jobId}"}), with the path it matched. */
    public static APIGatewayV2HTTPEvent request(CallerIdentity identity, String route, String path, Map<String, String> pathParameters,
                                                String body, Map<String, String> headers) {
        var jwt = APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT.builder().withClaims(identity.claimsOf(USER)).build();
        var context = APIGatewayV2HTTPEvent.RequestContext.builder()
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(route.substring(0, route.indexOf(' ')))
                        .withPath(path).build())
                .withRequestId("snapstart-priming").withRouteKey(route).withTimeEpoch(Instant.now().toEpochMilli())
                .withAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder().withJwt(jwt).build())
                .build();
        return APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRouteKey(route).withRawPath(path).withHeaders(headers)
                .withPathParameters(pathParameters).withBody(body).withIsBase64Encoded(false).withRequestContext(context).build();
    }

    /** A finished job of the synthetic caller with one output, as GET and list render it; never stored. */
    public static Job succeededJob() {
        Instant now = Instant.now();
        return Job.queued(NO_JOB, USER, JobType.IMAGE_GENERATION, now).status(JobStatus.SUCCEEDED).startedAt(now).finishedAt(now)
                .progress(1.0).artifacts(List.of(new JobArtifact(ArtifactKeys.jobPrefix(USER, NO_JOB) + "1/9/output.png", "output.png",
                        "image/png", 1))).build();
    }
}
