package com.lifecycleorchestrator.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.ServiceFailure;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.DescribeLifecycleHooksRequest;
import software.amazon.awssdk.services.autoscaling.model.DescribeLifecycleHooksResponse;
import software.amazon.awssdk.services.autoscaling.model.LifecycleHook;

/**
 * DescribeLifecycleHooks's answer as the adapter reads it. Every member of LifecycleHook is optional
 * in the API's model, so a hook may come back without its timeouts or with a default result this
 * code does not know; the function must then go on by what AWS documents, not fail.
 */
class AutoScalingHookTimeoutsTest {

  private static final LifecycleAction.GroupName GROUP = new LifecycleAction.GroupName("web-asg");
  private static final LifecycleAction.HookName HOOK = new LifecycleAction.HookName("graceful-exit");

  @Test
  void aHookIsReadWithItsOwnTimeoutsAndDefaultResult() {
    HookTimeouts read = readFrom(LifecycleHook.builder().heartbeatTimeout(300).globalTimeout(30000)
        .defaultResult("CONTINUE").build());

    assertEquals(new HookTimeouts(Duration.ofSeconds(300), Duration.ofSeconds(30000), Optional.of(LifecycleResult.CONTINUE)),
        read);
  }

  /**
   * PutLifecycleHook (Amazon EC2 Auto Scaling API Reference): HeartbeatTimeout defaults to 3600
   * seconds; the global timeout is the smaller of 100 heartbeat timeouts and 48 hours.
   */
  @Test
  void timeoutsLeftOutOfTheAnswerAreAwsDefaultsAndAnUnknownResultIsUnknown() {
    HookTimeouts read = readFrom(LifecycleHook.builder().defaultResult("SOMETHING_NEW").build());

    assertEquals(new HookTimeouts(Duration.ofSeconds(3600), Duration.ofHours(48), Optional.empty()), read);
    assertEquals(Duration.ofSeconds(6000),
        readFrom(LifecycleHook.builder().heartbeatTimeout(60).build()).globalTimeout());
  }

  @Test
  void timeoutsNoHookCanHaveAreRefusedLikeAnUnreadableHook() {
    ServiceFailure.Rejected refused = assertThrows(ServiceFailure.Rejected.class,
        () -> readFrom(LifecycleHook.builder().heartbeatTimeout(600).globalTimeout(60).build()));

    assertEquals(AutoScalingLifecycleActions.HOOK_UNREADABLE, refused.code());
  }

  @Test
  void aHookAutoScalingDoesNotListIsRefused() {
    ServiceFailure.Rejected refused = assertThrows(ServiceFailure.Rejected.class, () -> answering(
        DescribeLifecycleHooksResponse.builder().build()).timeoutsOf(GROUP, HOOK));

    assertEquals(AutoScalingLifecycleActions.HOOK_NOT_FOUND, refused.code());
  }

  private static HookTimeouts readFrom(LifecycleHook hook) {
    return answering(DescribeLifecycleHooksResponse.builder().lifecycleHooks(hook).build()).timeoutsOf(GROUP, HOOK);
  }

  /** The adapter over a client whose only call answers as given. */
  private static AutoScalingLifecycleActions answering(DescribeLifecycleHooksResponse response) {
    return new AutoScalingLifecycleActions(new AutoScalingClient() {
      @Override
      public DescribeLifecycleHooksResponse describeLifecycleHooks(DescribeLifecycleHooksRequest request) {
        return response;
      }

      @Override
      public String serviceName() {
        return SERVICE_NAME;
      }

      @Override
      public void close() {}
    });
  }
}
