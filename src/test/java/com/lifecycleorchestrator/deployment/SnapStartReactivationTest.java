package com.lifecycleorchestrator.deployment;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A published SnapStart version not invoked for 14 days turns Inactive; invoking it fails with
 * SnapStartNotReadyException until Lambda has initialised the function again and taken a new
 * snapshot ("Troubleshooting SnapStart errors for Lambda functions"; "Activating and managing Lambda
 * SnapStart", function states). The init before a snapshot may last up to 15 minutes ("Lambda
 * SnapStart"). A group that scales in for the first time in weeks must not lose its lifecycle
 * events meanwhile: the deliveries' retries outlast the re-activation.
 */
class SnapStartReactivationTest {

  private static final Duration LONGEST_SNAPSTART_INIT = Duration.ofMinutes(15);

  private final Map<String, Object> function = Deployment.DEFAULTS.template().requiredResource("OrchestratorFunction");

  @Test
  void theFunctionPublishesSnapStartVersions() {
    assertTrue(DeployedFunction.withDefaults().snapStart());
  }

  @Test
  void eventBridgeRetriesTheLifecycleEventLongerThanAReactivation() {
    Map<String, Object> retry = StackTemplate.map(StackTemplate.map(StackTemplate.map(StackTemplate.map(
        function.get("Events")).get("LifecycleAction")).get("Properties")).get("RetryPolicy"));
    Duration window = Duration.ofSeconds(Long.parseLong(String.valueOf(retry.get("MaximumEventAgeInSeconds"))));
    int attempts = Integer.parseInt(String.valueOf(retry.get("MaximumRetryAttempts")));

    assertTrue(window.compareTo(LONGEST_SNAPSTART_INIT.multipliedBy(2)) > 0,
        "EventBridge gives up after " + window + ", before a re-activation is sure to be over");
    assertTrue(attempts > 1, "one retry could land while the version is still Inactive");
  }

  @Test
  void theWaitingRoomRedeliversLongerThanAReactivation() {
    Map<String, Object> queue = Deployment.DEFAULTS.template().requiredResource("WaitingRoomQueue");
    Duration visibility = Duration.ofSeconds(Long.parseLong(String.valueOf(queue.get("VisibilityTimeout"))));
    int receives = Integer.parseInt(String.valueOf(StackTemplate.map(queue.get("RedrivePolicy")).get("maxReceiveCount")));

    assertTrue(visibility.multipliedBy(receives - 1L).compareTo(LONGEST_SNAPSTART_INIT) > 0,
        "a continuation reaches the dead-letter queue before a re-activation is sure to be over");
  }

  /**
   * "Creating and configuring an Amazon SQS event source mapping" (Lambda developer guide): the
   * source queue's visibility timeout at least six times the function's timeout, so that a batch
   * whose invocation Lambda throttled is retried, and a redrive policy's maxReceiveCount of at least 5.
   */
  @Test
  void theWaitingRoomFollowsLambdasGuidanceForAQueueThatInvokesAFunction() {
    Map<String, Object> queue = Deployment.DEFAULTS.template().requiredResource("WaitingRoomQueue");
    Map<String, Object> function = Deployment.DEFAULTS.template().requiredResource("OrchestratorFunction");
    long visibility = Long.parseLong(String.valueOf(queue.get("VisibilityTimeout")));
    long timeout = Long.parseLong(String.valueOf(function.get("Timeout")));
    int receives = Integer.parseInt(String.valueOf(StackTemplate.map(queue.get("RedrivePolicy")).get("maxReceiveCount")));

    assertTrue(visibility >= 6 * timeout, "visibility timeout " + visibility + " s for a function of " + timeout + " s");
    assertTrue(receives >= 5, "maxReceiveCount " + receives);
  }
}
