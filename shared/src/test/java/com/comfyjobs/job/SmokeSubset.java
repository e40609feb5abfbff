package com.comfyjobs.job;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * On a {@link JobStoreContract} subclass: run only the contract's tests tagged {@value #TAG} (one
 * of each kind of write and read), for a store whose connection is what is under test (TLS, ACL) and
 * whose setup costs too much per test for the whole suite; the other tests show as skipped.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface SmokeSubset {
    String TAG = "smoke";

    /** The condition {@link JobStoreContract} runs every test under. */
    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            Optional<Class<?>> type = context.getTestClass();
            if (context.getTestMethod().isEmpty() || type.isEmpty() || !type.get().isAnnotationPresent(SmokeSubset.class)
                    || context.getTags().contains(TAG)) {
                return ConditionEvaluationResult.enabled("runs");
            }
            return ConditionEvaluationResult.disabled("not in the contract's smoke subset");
        }
    }
}
