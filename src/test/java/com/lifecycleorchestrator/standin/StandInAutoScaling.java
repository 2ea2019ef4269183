package com.lifecycleorchestrator.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Clock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * EC2 Auto Scaling's lifecycle hooks as the stand-in plays them: groups with their instances and
 * hooks, and lifecycle actions held at a hook until they are completed, or until their heartbeat
 * timeout passes without a heartbeat, or until the hook's global timeout (48 hours or 100 times the
 * heartbeat timeout, whichever is smaller) passes whatever the heartbeats; a timeout applies the
 * hook's default result. Time is the stand-in's clock, so an hour-long hold costs a test nothing.
 * Groups carry tags, which their description shows and its filters select by.
 */
public final class StandInAutoScaling {

  static final Duration MAX_GLOBAL_TIMEOUT = Duration.ofHours(48);
  static final String TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING";
  static final String LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING";
  private static final Set<String> RESULTS = Set.of("CONTINUE", "ABANDON");
  private static final String ZONE = "us-east-1a";
  private static final String INSTANCE_TYPE = "t3.micro";

  /** A lifecycle hook of a group: which transition it holds, for how long, and what a timeout does. */
  public record Hook(String group, String name, String transition, Duration heartbeatTimeout, String defaultResult) {
    public static Hook terminating(String group, String name, Duration heartbeatTimeout, String defaultResult) {
      return new Hook(group, name, TERMINATING, heartbeatTimeout, defaultResult);
    }

    public static Hook launching(String group, String name, Duration heartbeatTimeout, String defaultResult) {
      return new Hook(group, name, LAUNCHING, heartbeatTimeout, defaultResult);
    }

    /** "The maximum is 172800 seconds (48 hours) or 100 times HeartbeatTimeout, whichever is smaller." */
    public Duration globalTimeout() {
      Duration hundredHeartbeats = heartbeatTimeout.multipliedBy(100);
      return hundredHeartbeats.compareTo(MAX_GLOBAL_TIMEOUT) < 0 ? hundredHeartbeats : MAX_GLOBAL_TIMEOUT;
    }
  }

  /** A tag of a group: its value, and whether the group's new instances get it at launch. */
  record Tag(String value, boolean propagateAtLaunch) {}

  /** What ended a lifecycle action. */
  public enum Cause {
    COMPLETED,
    HEARTBEAT_TIMEOUT,
    GLOBAL_TIMEOUT
  }

  /** How a lifecycle action ended: its result, why, and when. */
  public record Ending(String result, Cause cause, Instant at) {}

  private static final class Group {
    final String name;
    final String arn;
    final Instant createdAt;
    final Map<String, String> instanceStates = new LinkedHashMap<>();
    final Map<String, Hook> hooks = new LinkedHashMap<>();
    final List<ObjectNode> activities = new ArrayList<>();
    boolean warmPool;
    boolean retainsAbandoned;
    String status;
    /** The group's tags by key, each with whether it propagates to the instances the group launches. */
    final Map<String, Tag> tags = new LinkedHashMap<>();

    Group(String name, Instant createdAt) {
      this.name = name;
      this.arn = "arn:aws:autoscaling:" + AwsStandIn.REGION + ":" + AwsStandIn.ACCOUNT + ":autoScalingGroup:"
          + UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8))
          + ":autoScalingGroupName/" + name;
      this.createdAt = createdAt;
    }
  }

  private static final class Action {
    final Hook hook;
    final String instanceId;
    final String token;
    final Instant globalDeadline;
    final List<Instant> heartbeats = new ArrayList<>();
    Instant heartbeatDeadline;
    Ending ending;
    ObjectNode activity;

    Action(Hook hook, String instanceId, String token, Instant heldSince) {
      this.hook = hook;
      this.instanceId = instanceId;
      this.token = token;
      this.globalDeadline = heldSince.plus(hook.globalTimeout());
      this.heartbeatDeadline = heldSince.plus(hook.heartbeatTimeout());
    }
  }

  private final Clock clock;
  private final Protocol protocol;
  private final Map<String, Group> groups = new LinkedHashMap<>();
  private final Map<String, Action> actionsByToken = new LinkedHashMap<>();

  StandInAutoScaling(Clock clock, Protocol protocol) {
    this.clock = clock;
    this.protocol = protocol;
  }

  /** Adds the hook to its group, making the group if it is new. */
  public synchronized StandInAutoScaling hook(Hook hook) {
    group(hook.group()).hooks.put(hook.name(), hook);
    return this;
  }

  /** An instance serving in the group, not held by any hook. */
  public synchronized StandInAutoScaling inService(String groupName, String instanceId) {
    group(groupName).instanceStates.put(instanceId, "InService");
    return this;
  }

  /** The group carries the tag, as {@code aws autoscaling create-or-update-tags} leaves it. */
  public synchronized StandInAutoScaling tag(String groupName, String key, String value) {
    group(groupName).tags.put(key, new Tag(value, false));
    return this;
  }

  /** The group is being deleted, as {@code DeleteAutoScalingGroup} leaves it while it drains. */
  public synchronized StandInAutoScaling deleting(String groupName) {
    group(groupName).status = "Delete in progress";
    return this;
  }

  /**
   * Holds the instance at the hook from {@code heldSince} with this token, as a scale-in (or a
   * launch) does: the instance waits in {@code Terminating:Wait} (or {@code Pending:Wait}).
   */
  public synchronized StandInAutoScaling hold(
      String groupName, String hookName, String instanceId, String token, Instant heldSince) {
    Group group = group(groupName);
    Hook hook = group.hooks.get(hookName);
    if (hook == null) {
      throw new IllegalArgumentException("group " + groupName + " has no hook " + hookName + "; add it first");
    }
    boolean terminating = hook.transition().equals(TERMINATING);
    return holdIn(groupName, hookName, instanceId, token, heldSince,
        terminating ? "Terminating:Wait" : "Pending:Wait",
        terminating ? "Terminating EC2 instance: " + instanceId : "Launching a new EC2 instance: " + instanceId);
  }

  // ---- Warm pools, scaling activities and instance lifecycle policies ----

  /**
   * Holds the instance at the hook in the given wait state, after a scaling activity with the given
   * description that starts at {@code heldSince} ("Verify a scaling activity for an Auto Scaling
   * group": every launch, termination and warm-pool move of an instance is an activity naming it).
   * States that begin with {@code Warmed:} are the warm pool's ("Warm pool instance lifecycle"):
   * DescribeWarmPool lists them, DescribeAutoScalingGroups does not.
   */
  public synchronized StandInAutoScaling holdIn(String groupName, String hookName, String instanceId, String token,
      Instant heldSince, String waitState, String activityDescription) {
    Group group = group(groupName);
    Hook hook = group.hooks.get(hookName);
    if (hook == null) {
      throw new IllegalArgumentException("group " + groupName + " has no hook " + hookName + "; add it first");
    }
    Action action = new Action(hook, instanceId, token, heldSince);
    actionsByToken.put(token.toLowerCase(Locale.ROOT), action);
    group.instanceStates.put(instanceId, waitState);
    group.warmPool |= waitState.startsWith(WARMED);
    // The activity is in progress while the hook holds the instance: StatusCode MidLifecycleAction
    // (ScalingActivityStatusCode, DescribeScalingActivities API reference); it ends with the action.
    action.activity = JsonNodeFactory.instance.objectNode()
        .put("ActivityId", UUID.randomUUID().toString())
        .put("AutoScalingGroupName", groupName)
        .put("AutoScalingGroupARN", group.arn)
        .put("Description", activityDescription)
        .put("Cause", "At " + heldSince + " an instance was moved in response to a change in capacity.")
        .putPOJO("StartTime", heldSince)
        .put("StatusCode", "MidLifecycleAction")
        .put("Progress", 50);
    group.activities.add(0, action.activity);
    return this;
  }

  /**
   * TerminateInstanceInAutoScalingGroup (Amazon EC2 Auto Scaling API Reference): an instance in
   * service leaves it as in a scale-in, held at the group's terminate hook in
   * {@code Terminating:Wait} with a lifecycle action of its own; the answer is that scaling
   * activity. The stand-in keeps no desired capacity, so ShouldDecrementDesiredCapacity changes
   * nothing here, and a group without a terminate hook is refused rather than played.
   */
  private synchronized ObjectNode terminateInstance(JsonNode input) {
    Instant now = clock.now();
    settle(now);
    String instanceId = protocol.required(input, "InstanceId");
    protocol.required(input, "ShouldDecrementDesiredCapacity");
    Group group = groups.values().stream()
        .filter(candidate -> "InService".equals(candidate.instanceStates.get(instanceId)))
        .findFirst()
        .orElseThrow(() -> protocol.invalid("Instance Id not found - No managed instance found for instance ID: "
            + instanceId));
    Hook hook = group.hooks.values().stream()
        .filter(candidate -> candidate.transition().equals(TERMINATING))
        .findFirst()
        .orElseThrow(() -> protocol.invalid("The stand-in terminates only through a terminate hook; group "
            + group.name + " has none"));
    hold(group.name, hook.name(), instanceId, UUID.randomUUID().toString(), now);
    ObjectNode output = JsonNodeFactory.instance.objectNode();
    output.set("Activity", group.activities.get(0));
    return output;
  }

  /** The token of the lifecycle action that holds the instance now, if one does. */
  public synchronized Optional<String> activeToken(String instanceId) {
    settle(clock.now());
    return actionsByToken.values().stream()
        .filter(action -> action.ending == null && action.instanceId.equals(instanceId))
        .map(action -> action.token)
        .findFirst();
  }

  /** DescribeAutoScalingInstances: the instances named (all without names) in any group, warm pools included. */
  private synchronized ObjectNode describeInstances(JsonNode input) {
    settle(clock.now());
    List<String> wanted = AwsStandIn.strings(input.path("InstanceIds"));
    List<ObjectNode> found = new ArrayList<>();
    groups.values().forEach(group -> group.instanceStates.forEach((instanceId, state) -> {
      if (wanted.isEmpty() || wanted.contains(instanceId)) {
        found.add(instance(instanceId, state).put("AutoScalingGroupName", group.name));
      }
    }));
    return AwsStandIn.paged(found, "AutoScalingInstances", input, "MaxRecords", 50);
  }

  /** The group has a warm pool, even while nothing is in it. */
  public synchronized StandInAutoScaling warmPool(String groupName) {
    group(groupName).warmPool = true;
    return this;
  }

  /**
   * The group's instance lifecycle policy retains an instance whose terminate action is abandoned
   * (RetentionTriggers TerminateHookAbandon = retain, "Control instance retention with instance
   * lifecycle policies"): it waits in {@code Terminating:Retained} instead of being terminated.
   */
  public synchronized StandInAutoScaling retainsAbandoned(String groupName) {
    group(groupName).retainsAbandoned = true;
    return this;
  }

  static final String WARMED = "Warmed:";

  /** The status codes of an activity that has not ended (ScalingActivityStatusCode, API reference). */
  private static final List<String> IN_PROGRESS = List.of("PendingSpotBidPlacement", "WaitingForSpotInstanceRequestId",
      "WaitingForSpotInstanceId", "WaitingForInstanceId", "PreInService", "InProgress",
      "WaitingForELBConnectionDraining", "MidLifecycleAction", "WaitingForInstanceWarmup",
      "WaitingForConnectionDraining");

  /**
   * DescribeScalingActivities: "Activities still in progress appear first on the list", then the
   * others newest first (its API reference), at most 100 a page (its MaxRecords default and maximum).
   */
  private synchronized ObjectNode describeActivities(JsonNode input) {
    String groupName = protocol.required(input, "AutoScalingGroupName");
    Group group = groups.get(groupName);
    List<ObjectNode> activities = group == null ? List.of() : group.activities.stream()
        .sorted(Comparator.comparing((ObjectNode activity) -> !IN_PROGRESS.contains(activity.path("StatusCode").asText())))
        .toList();
    return AwsStandIn.paged(activities, "Activities", input, "MaxRecords", 100);
  }

  /** DescribeWarmPool: the pool's instances, at most 50 a page (its MaxRecords maximum). */
  private synchronized ObjectNode describeWarmPool(JsonNode input) {
    settle(clock.now());
    String groupName = protocol.required(input, "AutoScalingGroupName");
    Group group = groups.get(groupName);
    if (group == null) {
      throw protocol.invalid("AutoScalingGroup name not found - AutoScalingGroup '" + groupName + "' not found");
    }
    if (input.path("MaxRecords").asInt(50) > 50) {
      throw protocol.invalid("MaxRecords must be at most 50");
    }
    List<ObjectNode> pooled = new ArrayList<>();
    group.instanceStates.forEach((instanceId, state) -> {
      if (state.startsWith(WARMED)) {
        pooled.add(instance(instanceId, state));
      }
    });
    ObjectNode output = AwsStandIn.paged(pooled, "Instances", input, "MaxRecords", 50);
    if (group.warmPool) {
      output.putObject("WarmPoolConfiguration").put("MinSize", 0).put("PoolState", "Stopped");
    }
    return output;
  }

  private static ObjectNode instance(String instanceId, String state) {
    return JsonNodeFactory.instance.objectNode()
        .put("InstanceId", instanceId)
        .put("InstanceType", INSTANCE_TYPE)
        .put("AvailabilityZone", ZONE)
        .put("LifecycleState", state)
        .put("HealthStatus", "Healthy")
        .put("ProtectedFromScaleIn", false);
  }

  /** How the action with this token ended, if it has. */
  public synchronized Optional<Ending> ending(String token) {
    settle(clock.now());
    return Optional.ofNullable(actionsByToken.get(token.toLowerCase(Locale.ROOT))).map(action -> action.ending);
  }

  /**
   * Waits until the action with this token has ended, by a completion or its hook's timeout;
   * false if it is still held after the timeout. The hook's timeouts are looked at every tenth of a
   * second, since they end an action without any call.
   */
  public synchronized boolean awaitEnding(String token, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (ending(token).isEmpty()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
    }
    return true;
  }

  /** When heartbeats for the action were recorded. */
  public synchronized List<Instant> heartbeats(String token) {
    return List.copyOf(held(token).heartbeats);
  }

  /** The instance's lifecycle state in its group, if it is still in one. */
  public synchronized Optional<String> lifecycleState(String instanceId) {
    settle(clock.now());
    return groups.values().stream()
        .map(group -> group.instanceStates.get(instanceId))
        .filter(state -> state != null)
        .findFirst();
  }

  /** A person or another process completes the action, as {@code aws autoscaling complete-lifecycle-action} would. */
  public synchronized void completeElsewhere(String token, String result) {
    Instant now = clock.now();
    settle(now);
    end(held(token), new Ending(result, Cause.COMPLETED, now));
  }

  private Action held(String token) {
    Action action = actionsByToken.get(token.toLowerCase(Locale.ROOT));
    if (action == null) {
      throw new IllegalArgumentException("no lifecycle action was held with token " + token);
    }
    return action;
  }

  Map<String, AwsStandIn.Operation> operations() {
    return Map.of(
        "CreateOrUpdateTags", this::createOrUpdateTags,
        "DeleteTags", this::deleteTags,
        "CompleteLifecycleAction", this::complete,
        "RecordLifecycleActionHeartbeat", this::heartbeat,
        "DescribeAutoScalingGroups", this::describeGroups,
        "DescribeLifecycleHooks", this::describeHooks,
        "DescribeScalingActivities", this::describeActivities,
        "DescribeWarmPool", this::describeWarmPool,
        "TerminateInstanceInAutoScalingGroup", this::terminateInstance,
        "DescribeAutoScalingInstances", this::describeInstances);
  }

  private synchronized ObjectNode complete(JsonNode input) {
    Instant now = clock.now();
    settle(now);
    String result = protocol.required(input, "LifecycleActionResult");
    if (!RESULTS.contains(result)) {
      throw protocol.invalid("LifecycleActionResult must be CONTINUE or ABANDON, got " + result);
    }
    end(active(input), new Ending(result, Cause.COMPLETED, now));
    return JsonNodeFactory.instance.objectNode();
  }

  private synchronized ObjectNode heartbeat(JsonNode input) {
    Instant now = clock.now();
    settle(now);
    Action action = active(input);
    action.heartbeats.add(now);
    action.heartbeatDeadline = now.plus(action.hook.heartbeatTimeout());
    return JsonNodeFactory.instance.objectNode();
  }

  /**
   * The active action the call names by token or, without one, by instance. Auto Scaling answers
   * any other with {@code ValidationError} "No active Lifecycle Action found with token ..." (or
   * "... with instance ID ...").
   */
  private Action active(JsonNode input) {
    String groupName = protocol.required(input, "AutoScalingGroupName");
    String hookName = protocol.required(input, "LifecycleHookName");
    Optional<String> token = text(input, "LifecycleActionToken");
    Optional<String> instanceId = text(input, "InstanceId");
    if (token.isEmpty() && instanceId.isEmpty()) {
      throw protocol.invalid("A lifecycle action is named by LifecycleActionToken or InstanceId; neither was given");
    }
    Optional<Action> found = token.isPresent()
        ? Optional.ofNullable(actionsByToken.get(token.get().toLowerCase(Locale.ROOT)))
        : actionsByToken.values().stream()
            .filter(action -> action.ending == null && action.instanceId.equals(instanceId.get()))
            .findFirst();
    return found
        .filter(action -> action.ending == null)
        .filter(action -> action.hook.group().equals(groupName) && action.hook.name().equals(hookName))
        .filter(action -> instanceId.isEmpty() || action.instanceId.equals(instanceId.get()))
        .orElseThrow(() -> protocol.invalid(token.isPresent()
            ? "No active Lifecycle Action found with token " + token.get()
            : "No active Lifecycle Action found with instance ID " + instanceId.get()));
  }

  private synchronized ObjectNode describeGroups(JsonNode input) {
    settle(clock.now());
    List<String> wanted = AwsStandIn.strings(input.path("AutoScalingGroupNames"));
    List<Predicate<Group>> filters = new ArrayList<>();
    input.path("Filters").forEach(filter -> filters.add(groupFilter(filter)));
    List<ObjectNode> found = groups.values().stream()
        .filter(group -> wanted.isEmpty() || wanted.contains(group.name))
        .filter(group -> filters.stream().allMatch(filter -> filter.test(group)))
        .map(StandInAutoScaling::describe)
        .toList();
    return AwsStandIn.paged(found, "AutoScalingGroups", input, "MaxRecords", 50);
  }

  private static final String TAG_FILTER_PREFIX = "tag:";

  /**
   * One filter of DescribeAutoScalingGroups ("Filter", Amazon EC2 Auto Scaling API Reference;
   * "Use tags to filter Auto Scaling groups", User Guide): {@code tag-key} keeps the groups with a
   * tag of one of the keys, {@code tag-value} those with a tag of one of the values, and
   * {@code tag:<key>} those whose tag of that key has one of the values. A filter's values are
   * alternatives, several filters must all match, and values are matched exactly (no wildcards,
   * case-sensitive). Each filter looks at the group's tags on its own, as the page describes them.
   */
  private Predicate<Group> groupFilter(JsonNode filter) {
    String name = protocol.required(filter, "Name");
    List<String> values = AwsStandIn.strings(filter.path("Values"));
    if (name.equals("tag-key")) {
      return group -> group.tags.keySet().stream().anyMatch(values::contains);
    }
    if (name.equals("tag-value")) {
      return group -> group.tags.values().stream().anyMatch(tag -> values.contains(tag.value()));
    }
    if (name.startsWith(TAG_FILTER_PREFIX) && name.length() > TAG_FILTER_PREFIX.length()) {
      String key = name.substring(TAG_FILTER_PREFIX.length());
      return group -> Optional.ofNullable(group.tags.get(key)).map(tag -> values.contains(tag.value())).orElse(false);
    }
    throw protocol.invalid("Filter name " + name + " is not valid for DescribeAutoScalingGroups; use tag-key, "
        + "tag-value or tag:<key>");
  }

  /**
   * CreateOrUpdateTags ("Tag Auto Scaling groups and instances", User Guide): each tag is added to
   * its group, or replaces the group's tag of the same key; PropagateAtLaunch is false unless given.
   */
  private synchronized ObjectNode createOrUpdateTags(JsonNode input) {
    for (JsonNode tag : input.path("Tags")) {
      Group group = taggedGroup(tag);
      group.tags.put(protocol.required(tag, "Key"), new Tag(tag.path("Value").asText(""),
          tag.path("PropagateAtLaunch").asBoolean(false)));
    }
    return JsonNodeFactory.instance.objectNode();
  }

  /** DeleteTags: each tag of that key leaves its group, whatever value the request gives. */
  private synchronized ObjectNode deleteTags(JsonNode input) {
    for (JsonNode tag : input.path("Tags")) {
      taggedGroup(tag).tags.remove(protocol.required(tag, "Key"));
    }
    return JsonNodeFactory.instance.objectNode();
  }

  /** The group a tag of a request names: its ResourceId, of ResourceType auto-scaling-group. */
  private Group taggedGroup(JsonNode tag) {
    String type = protocol.required(tag, "ResourceType");
    if (!type.equals("auto-scaling-group")) {
      throw protocol.invalid("ResourceType must be auto-scaling-group, got " + type);
    }
    String name = protocol.required(tag, "ResourceId");
    Group group = groups.get(name);
    if (group == null) {
      throw protocol.invalid("AutoScalingGroup name not found - AutoScalingGroup '" + name + "' not found");
    }
    return group;
  }

  private static ObjectNode describe(Group group) {
    ObjectNode described = JsonNodeFactory.instance.objectNode()
        .put("AutoScalingGroupName", group.name)
        .put("AutoScalingGroupARN", group.arn)
        .put("MinSize", 0)
        .put("MaxSize", 10)
        .put("DesiredCapacity", group.instanceStates.values().stream().filter(state -> !state.startsWith("Terminating")).count())
        .put("DefaultCooldown", 300);
    described.putArray("AvailabilityZones").add(ZONE);
    described.putArray("LoadBalancerNames");
    described.putArray("TargetGroupARNs");
    described.put("HealthCheckType", "EC2").put("HealthCheckGracePeriod", 300);
    ArrayNode instances = described.putArray("Instances");
    group.instanceStates.forEach((instanceId, state) -> {
      if (!state.startsWith(WARMED)) {
        instances.add(instance(instanceId, state));
      }
    });
    if (group.warmPool) {
      described.putObject("WarmPoolConfiguration").put("MinSize", 0).put("PoolState", "Stopped");
    }
    if (group.retainsAbandoned) {
      described.putObject("InstanceLifecyclePolicy").putObject("RetentionTriggers").put("TerminateHookAbandon", "retain");
    }
    described.putPOJO("CreatedTime", group.createdAt);
    described.putArray("SuspendedProcesses");
    described.putArray("EnabledMetrics");
    if (group.status != null) {
      described.put("Status", group.status);
    }
    ArrayNode tags = described.putArray("Tags");
    group.tags.forEach((key, tag) -> tags.addObject()
        .put("ResourceId", group.name)
        .put("ResourceType", "auto-scaling-group")
        .put("Key", key)
        .put("Value", tag.value())
        .put("PropagateAtLaunch", tag.propagateAtLaunch()));
    described.putArray("TerminationPolicies").add("Default");
    described.put("NewInstancesProtectedFromScaleIn", false);
    described.put("ServiceLinkedRoleARN", "arn:aws:iam::" + AwsStandIn.ACCOUNT
        + ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling");
    return described;
  }

  private synchronized ObjectNode describeHooks(JsonNode input) {
    String groupName = protocol.required(input, "AutoScalingGroupName");
    Group group = groups.get(groupName);
    if (group == null) {
      throw protocol.invalid("AutoScalingGroup name not found - AutoScalingGroup '" + groupName + "' not found");
    }
    List<String> wanted = AwsStandIn.strings(input.path("LifecycleHookNames"));
    ObjectNode output = JsonNodeFactory.instance.objectNode();
    ArrayNode hooks = output.putArray("LifecycleHooks");
    group.hooks.values().stream()
        .filter(hook -> wanted.isEmpty() || wanted.contains(hook.name()))
        .forEach(hook -> hooks.addObject()
            .put("LifecycleHookName", hook.name())
            .put("AutoScalingGroupName", hook.group())
            .put("LifecycleTransition", hook.transition())
            .put("HeartbeatTimeout", hook.heartbeatTimeout().toSeconds())
            .put("GlobalTimeout", hook.globalTimeout().toSeconds())
            .put("DefaultResult", hook.defaultResult()));
    return output;
  }

  private Group group(String name) {
    return groups.computeIfAbsent(name, key -> new Group(key, clock.now()));
  }

  /** Applies each hook's default result to the actions whose time ran out before {@code now}. */
  private void settle(Instant now) {
    for (Action action : actionsByToken.values()) {
      if (action.ending != null) {
        continue;
      }
      boolean heartbeatFirst = action.heartbeatDeadline.isBefore(action.globalDeadline);
      Instant deadline = heartbeatFirst ? action.heartbeatDeadline : action.globalDeadline;
      if (!now.isBefore(deadline)) {
        end(action, new Ending(action.hook.defaultResult(),
            heartbeatFirst ? Cause.HEARTBEAT_TIMEOUT : Cause.GLOBAL_TIMEOUT, deadline));
      }
    }
  }

  /**
   * The instance moves on: a terminating one is terminated whatever the result (ABANDON only skips
   * the remaining hooks) and leaves the group, unless the group retains abandoned instances; a
   * launching one goes in service on CONTINUE and is terminated on ABANDON; one entering the warm
   * pool is stopped there on CONTINUE.
   */
  private void end(Action action, Ending ending) {
    action.ending = ending;
    notifyAll();
    action.activity.put("StatusCode", "Successful").put("Progress", 100);
    Group group = groups.get(action.hook.group());
    String state = group.instanceStates.get(action.instanceId);
    boolean continues = ending.result().equals("CONTINUE");
    if ("Warmed:Pending:Wait".equals(state) && continues) {
      group.instanceStates.put(action.instanceId, "Warmed:Stopped");
    } else if (action.hook.transition().equals(LAUNCHING) && continues) {
      group.instanceStates.put(action.instanceId, "InService");
    } else if ("Terminating:Wait".equals(state) && !continues && group.retainsAbandoned) {
      group.instanceStates.put(action.instanceId, "Terminating:Retained");
    } else {
      group.instanceStates.remove(action.instanceId);
    }
  }

  private static Optional<String> text(JsonNode input, String member) {
    return Optional.ofNullable(input.get(member)).map(JsonNode::asText).filter(text -> !text.isEmpty());
  }
}
