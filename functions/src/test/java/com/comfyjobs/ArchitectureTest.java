package com.comfyjobs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.comfyjobs.artifacts.ArtifactStore;
import com.comfyjobs.functions.GetJobHandler;
import com.comfyjobs.job.Job;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.LocationProvider;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Duration;
import java.util.Set;

/**
 * The rules of the house, checked on the main classes of the shared module and of the functions.
 * They live here because the functions module is the one that sees both.
 */
@AnalyzeClasses(locations = ArchitectureTest.SharedAndFunctions.class, importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final DescribedPredicate<JavaClass> IN_SHARED = inModuleOf(Job.class, "are in the shared module");

    @ArchTest
    static final ArchRule domainNamesNoInfrastructure = noClasses().that().resideInAPackage("com.comfyjobs.job")
            .should().dependOnClassesThat().resideInAnyPackage("io.lettuce..", "software.amazon..", "com.amazonaws..",
                    "com.fasterxml.jackson.databind..")
            .because("the domain is what every store, service and handler shares, so it is plain Java: Redis belongs to"
                    + " job.redis, AWS to the parts that call it, Jackson's trees to the code that parses ComfyUI's and callers'"
                    + " JSON (Workflow reads JSON with jackson-core's streaming parser, which builds no tree)");

    @ArchTest
    static final ArchRule domainIsTheBottom = noClasses().that().resideInAPackage("com.comfyjobs.job")
            .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("com.comfyjobs..")
                    .and(JavaClass.Predicates.resideOutsideOfPackage("com.comfyjobs.job")))
            .because("everything else is built on the domain: a domain that named a store, a service or a setting would tie"
                    + " every part to it");

    @ArchTest
    static final ArchRule servicesKnowNoCaller = noClasses().that(IN_SHARED)
            .should().dependOnClassesThat().resideInAnyPackage("com.comfyjobs.functions..", "com.comfyjobs.local..")
            .because("the Lambda functions and the local stack are two callers of the same services; a service that knew"
                    + " its caller would behave differently under the other");

    @ArchTest
    static final ArchRule servicesSpeakNoHttp = noClasses().that(IN_SHARED).should().haveSimpleNameContaining("Http")
            .because("HTTP is the functions' edge (status codes, problem+json, headers: functions.http); services answer with"
                    + " results and domain exceptions, so the same service serves API Gateway, a schedule and the local stack");

    @ArchTest
    static final ArchRule handlersNameNoStore = noClasses()
            .that().resideInAnyPackage("com.comfyjobs.functions", "com.comfyjobs.functions.http")
            .should().dependOnClassesThat().resideInAnyPackage("io.lettuce..", "com.comfyjobs.job.redis..", "com.comfyjobs.job.memory..",
                    "com.comfyjobs.templates.redis..", "com.comfyjobs.templates.memory..", "com.comfyjobs.live.redis..",
                    "com.comfyjobs.live.memory..")
            .because("a handler parses an event, calls a service and maps its answer; which store serves the services is"
                    + " decided once, where they are built (functions.wiring)");

    @ArchTest
    static final ArchRule nothingInTheLambdaJarNamesTheInMemoryStores = noClasses()
            .that().resideOutsideOfPackages("com.comfyjobs.job.memory..", "com.comfyjobs.templates.memory..", "com.comfyjobs.live.memory..")
            .should().dependOnClassesThat().resideInAnyPackage("com.comfyjobs.job.memory..", "com.comfyjobs.templates.memory..",
                    "com.comfyjobs.live.memory..")
            .because("the Lambda jar holds these classes but not the in-memory stores (a store per container would lose jobs"
                    + " and templates between functions), so a class that named one would fail there with NoClassDefFoundError");

    @ArchTest
    static final ArchRule onlyJobQueriesHandOutDownloadUrls = noClasses().that().resideOutsideOfPackages("com.comfyjobs.query",
                    "com.comfyjobs.artifacts")
            .should().callMethod(ArtifactStore.class, "presign", String.class)
            .orShould().callMethod(ArtifactStore.class, "presign", String.class, Duration.class)
            .because("a presigned URL is the only way a file in the bucket reaches a caller: the job queries presign the"
                    + " owner's outputs, and ArtifactStore refuses every other key, so no route hands out a job's input"
                    + " images or a caller's uploads");

    /*
     * One package, one slice: the stores (job.redis, job.memory) sit above config and observability while
     * the domain (job) sits below them, so slicing by top-level package would call job -> config -> job a
     * cycle when nothing in the domain names config.
     */
    @ArchTest
    static final ArchRule packagesFormNoCycles = slices().matching("com.comfyjobs.(**)")
            .that(DescribedPredicate.describe("are in the shared module", slice -> slice.stream().allMatch(IN_SHARED)))
            .should().beFreeOfCycles()
            .because("a package can then be read, tested and changed knowing only what it depends on; in a cycle every"
                    + " package is part of every other");

    /** The classes of the module (a jar or a classes directory) that {@code anchor} was loaded from. */
    private static DescribedPredicate<JavaClass> inModuleOf(Class<?> anchor, String description) {
        String root = moduleOf(anchor).asURI().toString();
        return DescribedPredicate.describe(description,
                c -> c.getSource().map(s -> Location.of(s.getUri()).asURI().toString().startsWith(root)).orElse(false));
    }

    private static Location moduleOf(Class<?> anchor) {
        return Location.of(anchor.getProtectionDomain().getCodeSource().getLocation());
    }

    static final class SharedAndFunctions implements LocationProvider {
        @Override
        public Set<Location> get(Class<?> testClass) {
            return Set.of(moduleOf(Job.class), moduleOf(GetJobHandler.class));
        }
    }
}
