package com.lifecycleorchestrator.testkit;

import com.lifecycleorchestrator.core.ServiceFailure;
import java.util.Arrays;

/** Failures the tests queue on the fakes, as AWS answers them. */
public final class Failures {

  private Failures() {}

  /** The same failure, {@code count} times over. */
  public static ServiceFailure[] times(int count, ServiceFailure failure) {
    ServiceFailure[] failures = new ServiceFailure[count];
    Arrays.fill(failures, failure);
    return failures;
  }

  /** SSM's answer to a start while its automation queue is full. */
  public static ServiceFailure queueFull() {
    return new ServiceFailure.ExecutionLimitReached("AutomationExecutionLimitExceededException",
        "Maximum number of queued automation executions reached", null);
  }
}
