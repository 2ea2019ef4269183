package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.LifecycleActions;
import com.lifecycleorchestrator.core.ServiceFailure;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;

/** EC2 Auto Scaling through the AWS SDK: the only code that knows its wire types and error codes. */
public final class AutoScalingLifecycleActions implements LifecycleActions {

  /**
   * Auto Scaling answers a call on a lifecycle action that is no longer active with this error code
   * and a message such as "No active Lifecycle Action found with token ...".
   */
  static final String VALIDATION_ERROR = "ValidationError";

  static final String NOT_ACTIVE_MESSAGE = "No active Lifecycle Action found";

  private final AutoScalingClient autoScaling;

  public AutoScalingLifecycleActions(AutoScalingClient autoScaling) {
    this.autoScaling = autoScaling;
  }

  @Override
  public Answer recordHeartbeat(LifecycleAction action) {
    return answer(() -> autoScaling.recordLifecycleActionHeartbeat(request -> request
        .autoScalingGroupName(action.group().value())
        .lifecycleHookName(action.hook().value())
        .lifecycleActionToken(action.token().map(LifecycleAction.Token::value).orElse(null))
        .instanceId(action.instance().value())));
  }

  @Override
  public Answer complete(LifecycleAction action, LifecycleResult result) {
    return answer(() -> autoScaling.completeLifecycleAction(request -> request
        .autoScalingGroupName(action.group().value())
        .lifecycleHookName(action.hook().value())
        .lifecycleActionToken(action.token().map(LifecycleAction.Token::value).orElse(null))
        .instanceId(action.instance().value())
        .lifecycleActionResult(result.name())));
  }

  /** What a hook Auto Scaling does not list is reported as: it cannot be read, now or later. */
  static final String HOOK_NOT_FOUND = "LifecycleHookNotFound";

  /**
   * The hook's timeouts, from DescribeLifecycleHooks (Amazon EC2 Auto Scaling API Reference). A call
   * the function's role may not make (AccessDenied) comes out as a rejection, like a hook that is
   * not there.
   */
  @Override
  public HookTimeouts timeoutsOf(LifecycleAction.GroupName group, LifecycleAction.HookName hook) {
    try {
      return autoScaling.describeLifecycleHooks(request -> request
              .autoScalingGroupName(group.value())
              .lifecycleHookNames(hook.value()))
          .lifecycleHooks().stream()
          .findFirst()
          .map(found -> new HookTimeouts(Duration.ofSeconds(found.heartbeatTimeout()),
              Duration.ofSeconds(found.globalTimeout()),
              Optional.ofNullable(found.defaultResult()).map(LifecycleResult::valueOf)))
          .orElseThrow(() -> new ServiceFailure.Rejected(HOOK_NOT_FOUND,
              "Auto Scaling group " + group + " has no lifecycle hook " + hook, null));
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  /** The group's status while DeleteAutoScalingGroup runs. */
  static final String DELETING = "Delete in progress";

  /** The lifecycle states of an instance held at a hook, and the transition each belongs to. */
  static final Map<String, LifecycleAction.Transition> WAITING = Map.of(
      "Pending:Wait", LifecycleAction.Transition.LAUNCHING,
      "Warmed:Pending:Wait", LifecycleAction.Transition.LAUNCHING,
      "Terminating:Wait", LifecycleAction.Transition.TERMINATING,
      "Warmed:Terminating:Wait", LifecycleAction.Transition.TERMINATING);

  @Override
  public Fleet.Group describe(LifecycleAction.GroupName group) {
    try {
      return autoScaling.describeAutoScalingGroups(request -> request.autoScalingGroupNames(group.value()))
          .autoScalingGroups().stream()
          .findFirst()
          .map(found -> new Fleet.Group(
              DELETING.equals(found.status()) ? Fleet.GroupState.DELETING : Fleet.GroupState.ACTIVE,
              found.instances().stream()
                  .filter(instance -> WAITING.containsKey(instance.lifecycleStateAsString()))
                  .map(instance -> new Fleet.WaitingInstance(new LifecycleAction.InstanceId(instance.instanceId()),
                      WAITING.get(instance.lifecycleStateAsString())))
                  .toList()))
          // A group Auto Scaling does not list holds no instance, and no deletion to hold up.
          .orElse(new Fleet.Group(Fleet.GroupState.ACTIVE, List.of()));
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  private static Answer answer(Supplier<?> call) {
    try {
      call.get();
      return Answer.ACCEPTED;
    } catch (AwsServiceException e) {
      if (VALIDATION_ERROR.equals(ServiceFailures.codeOf(e))
          && ServiceFailures.messageOf(e).contains(NOT_ACTIVE_MESSAGE)) {
        return Answer.NOT_ACTIVE;
      }
      throw ServiceFailures.classify(e);
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }
}
