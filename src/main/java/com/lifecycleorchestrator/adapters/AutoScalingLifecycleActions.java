package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Enrolment;
import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.LifecycleActions;
import com.lifecycleorchestrator.core.ServiceFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.Activity;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.DescribeScalingActivitiesResponse;
import software.amazon.awssdk.services.autoscaling.model.Filter;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.autoscaling.model.InstanceLifecyclePolicy;
import software.amazon.awssdk.services.autoscaling.model.LifecycleHook;
import software.amazon.awssdk.services.autoscaling.model.RetentionTriggers;

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

  /** What a hook listed with timeouts no hook can have is reported as: it cannot be read either. */
  static final String HOOK_UNREADABLE = "LifecycleHookUnreadable";

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
          .map(AutoScalingLifecycleActions::timeoutsOf)
          .orElseThrow(() -> new ServiceFailure.Rejected(HOOK_NOT_FOUND,
              "Auto Scaling group " + group + " has no lifecycle hook " + hook, null));
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  /**
   * AWS's default heartbeat timeout of a hook put without one (PutLifecycleHook, Amazon EC2 Auto
   * Scaling API Reference: "The default value is 3600 seconds").
   */
  static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(3600);

  /**
   * A hook's timeouts as DescribeLifecycleHooks answers them. Every field of the answer is optional
   * in the API's model: one left out takes the value AWS gives a hook put without it (the global
   * timeout then being the smaller of 100 heartbeat timeouts and 48 hours), an unknown default
   * result is taken as unknown, and an answer no hook could have is refused like a hook that cannot
   * be read, so that the configured timeout stands in for it.
   */
  private static HookTimeouts timeoutsOf(LifecycleHook found) {
    Duration heartbeat = Optional.ofNullable(found.heartbeatTimeout()).map(Duration::ofSeconds)
        .orElse(DEFAULT_HEARTBEAT_TIMEOUT);
    Duration global = Optional.ofNullable(found.globalTimeout()).map(Duration::ofSeconds)
        .orElse(HookTimeouts.assumed(heartbeat).globalTimeout());
    Optional<LifecycleResult> defaultResult = Arrays.stream(LifecycleResult.values())
        .filter(result -> result.name().equalsIgnoreCase(found.defaultResult()))
        .findFirst();
    try {
      return new HookTimeouts(heartbeat, global, defaultResult);
    } catch (IllegalArgumentException e) {
      throw new ServiceFailure.Rejected(HOOK_UNREADABLE, "lifecycle hook " + found.lifecycleHookName()
          + " of " + found.autoScalingGroupName() + ": " + e.getMessage(), e);
    }
  }

  /** The group's status while DeleteAutoScalingGroup runs. */
  static final String DELETING = "Delete in progress";

  /**
   * The lifecycle states of an instance held at a hook, and the actions that can hold it there: the
   * transition and where the instance goes ("Warm pool instance lifecycle" and "Amazon EC2 Auto
   * Scaling instance lifecycle", EC2 Auto Scaling User Guide). {@code Warmed:Pending:Wait} is
   * reached by a launch into the warm pool and by a return to it on scale-in alike.
   */
  static final Map<String, List<Waiting>> WAITING = Map.of(
      "Pending:Wait", List.of(
          new Waiting(LifecycleAction.Transition.LAUNCHING, LifecycleAction.Place.AUTO_SCALING_GROUP)),
      "Warmed:Pending:Wait", List.of(
          new Waiting(LifecycleAction.Transition.LAUNCHING, LifecycleAction.Place.WARM_POOL),
          new Waiting(LifecycleAction.Transition.TERMINATING, LifecycleAction.Place.WARM_POOL)),
      "Terminating:Wait", List.of(
          new Waiting(LifecycleAction.Transition.TERMINATING, LifecycleAction.Place.EC2)),
      "Warmed:Terminating:Wait", List.of(
          new Waiting(LifecycleAction.Transition.TERMINATING, LifecycleAction.Place.EC2)));

  /** One way an instance in a wait state can be held. */
  record Waiting(LifecycleAction.Transition transition, LifecycleAction.Place destination) {}

  /** The value of RetentionTriggers' TerminateHookAbandon that keeps an abandoned instance. */
  static final String RETAIN = "retain";

  /**
   * DescribeWarmPool answers a group without warm pool with an empty list; a warm pool's listing
   * pages at most 50 instances (the MaxRecords maximum in the DescribeWarmPool API reference).
   */
  static final int WARM_POOL_PAGE = 50;

  /** DescribeScalingActivities pages at most 100 activities (its API reference). */
  static final int ACTIVITIES_PAGE = 100;

  @Override
  public Fleet.Group describe(LifecycleAction.GroupName group) {
    try {
      Optional<AutoScalingGroup> found = autoScaling.describeAutoScalingGroups(request -> request
              .autoScalingGroupNames(group.value()))
          .autoScalingGroups().stream()
          .findFirst();
      // A group Auto Scaling does not list holds no instance, and no deletion to hold up.
      return found.map(this::groupOf).orElseGet(() -> new Fleet.Group(Fleet.GroupState.ACTIVE, List.of(), false));
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  /**
   * The groups that carry an opt-in tag, read page by page: a tag-key filter with several values
   * lists the groups that carry any of those keys ("Use tags to filter Auto Scaling groups", EC2
   * Auto Scaling User Guide; Filter, API Reference), and each group's description has its tags.
   */
  @Override
  public Map<LifecycleAction.GroupName, Fleet.Group> enrolled() {
    Map<LifecycleAction.GroupName, Fleet.Group> enrolled = new LinkedHashMap<>();
    try {
      autoScaling.describeAutoScalingGroupsPaginator(request -> request
              .filters(Filter.builder().name(TAG_KEY_FILTER).values(RUNBOOK_TAGS.keySet()).build()))
          .autoScalingGroups()
          .forEach(group -> enrolled.put(new LifecycleAction.GroupName(group.autoScalingGroupName()), groupOf(group)));
      return enrolled;
    } catch (SdkException e) {
      throw ServiceFailures.classify(e);
    }
  }

  /** The filter of DescribeAutoScalingGroups that lists the groups carrying any of the given tag keys. */
  static final String TAG_KEY_FILTER = "tag-key";

  /** The opt-in tag of each transition's lifecycle actions. */
  static final Map<String, LifecycleAction.Transition> RUNBOOK_TAGS = Map.of(
      Enrolment.TERMINATE_TAG, LifecycleAction.Transition.TERMINATING,
      Enrolment.LAUNCH_TAG, LifecycleAction.Transition.LAUNCHING);

  private Fleet.Group groupOf(AutoScalingGroup found) {
    List<Fleet.WaitingInstance> waiting = new ArrayList<>(waitingOf(found.instances()));
    if (found.warmPoolConfiguration() != null) {
      autoScaling.describeWarmPoolPaginator(request -> request
              .autoScalingGroupName(found.autoScalingGroupName())
              .maxRecords(WARM_POOL_PAGE))
          .forEach(page -> waiting.addAll(waitingOf(page.instances())));
    }
    boolean retains = Optional.ofNullable(found.instanceLifecyclePolicy())
        .map(InstanceLifecyclePolicy::retentionTriggers)
        .map(RetentionTriggers::terminateHookAbandonAsString)
        .map(RETAIN::equalsIgnoreCase)
        .orElse(false);
    Map<LifecycleAction.Transition, String> runbookTags = new EnumMap<>(LifecycleAction.Transition.class);
    found.tags().stream()
        .filter(tag -> RUNBOOK_TAGS.containsKey(tag.key()) && tag.value() != null)
        .forEach(tag -> runbookTags.put(RUNBOOK_TAGS.get(tag.key()), tag.value()));
    return new Fleet.Group(
        DELETING.equals(found.status()) ? Fleet.GroupState.DELETING : Fleet.GroupState.ACTIVE,
        waiting, retains, runbookTags);
  }

  private static List<Fleet.WaitingInstance> waitingOf(List<Instance> instances) {
    return instances.stream()
        .flatMap(instance -> WAITING.getOrDefault(instance.lifecycleStateAsString(), List.of()).stream()
            .map(way -> new Fleet.WaitingInstance(new LifecycleAction.InstanceId(instance.instanceId()),
                way.transition(), way.destination())))
        .toList();
  }

  /** The status codes of an activity that has ended (ScalingActivityStatusCode, API reference). */
  static final List<String> ENDED = List.of("Successful", "Failed", "Cancelled");

  /**
   * Reads the group's activities page by page and keeps those still in progress. "Activities still
   * in progress appear first on the list" (DescribeScalingActivities API reference); the reading
   * goes on, whatever the order, until an ended activity that started before the longest hold a
   * hook allows, since an activity holding an instance now started within it.
   */
  @Override
  public List<Fleet.Activity> activitiesInProgress(LifecycleAction.GroupName group) {
    Instant oldestHold = Instant.now().minus(HookTimeouts.LONGEST_GLOBAL_TIMEOUT);
    List<Fleet.Activity> inProgress = new ArrayList<>();
    try {
      for (DescribeScalingActivitiesResponse page : autoScaling.describeScalingActivitiesPaginator(request -> request
          .autoScalingGroupName(group.value())
          .maxRecords(ACTIVITIES_PAGE))) {
        for (Activity activity : page.activities()) {
          boolean ended = ENDED.contains(activity.statusCodeAsString());
          if (ended && activity.startTime() != null && activity.startTime().isBefore(oldestHold)) {
            return inProgress;
          }
          if (!ended && activity.startTime() != null) {
            inProgress.add(new Fleet.Activity(activity.activityId(), activity.startTime(),
                Optional.ofNullable(activity.description()).orElse("")));
          }
        }
      }
      return inProgress;
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
