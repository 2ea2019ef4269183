package com.lifecycleorchestrator.testkit;

import com.lifecycleorchestrator.adapters.ServiceFailures;
import com.lifecycleorchestrator.core.ServiceFailure;
import java.util.Arrays;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Failures the tests queue on the fakes, as AWS answers them: each is an SDK exception as the
 * service sends it, turned into a failure by the adapters' own classifier, so that the core is
 * tested with the failures the real adapters produce.
 */
public final class Failures {

  private Failures() {}

  /** The same failure, {@code count} times over. */
  public static ServiceFailure[] times(int count, ServiceFailure failure) {
    ServiceFailure[] failures = new ServiceFailure[count];
    Arrays.fill(failures, failure);
    return failures;
  }

  /**
   * A call throttled past the SDK's retries: HTTP 400 with the service's throttling code, which is
   * {@code Throttling} for Auto Scaling (awsQuery) and {@code ThrottlingException} for SSM.
   */
  public static ServiceFailure throttled(String code) {
    return classified(400, code, "Rate exceeded");
  }

  /** A server error that outlasted the SDK's retries. */
  public static ServiceFailure serverError() {
    return classified(500, "InternalFailure", "We encountered an internal error. Please try again.");
  }

  /** A call the function's role may not make. */
  public static ServiceFailure accessDenied(String action) {
    return classified(403, "AccessDenied", "User is not authorized to perform: " + action);
  }

  private static ServiceFailure classified(int status, String code, String message) {
    return ServiceFailures.classify(AwsServiceException.builder()
        .statusCode(status)
        .message(message)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build())
        .build());
  }

  /** SSM's answer to a start while its automation queue is full. */
  public static ServiceFailure queueFull() {
    return new ServiceFailure.ExecutionLimitReached("AutomationExecutionLimitExceededException",
        "Maximum number of queued automation executions reached", null);
  }
}
