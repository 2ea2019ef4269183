package com.lifecycleorchestrator.testkit;

import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.LifecycleActions;
import com.lifecycleorchestrator.core.ServiceFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.nio.charset.StandardCharsets;

/**
 * Auto Scaling's lifecycle hooks as the core sees them, in memory: actions held until completed or
 * until their hook's heartbeat timeout passes unrenewed or its global timeout passes (then the hook's
 * default result applies), heartbeats that restart the heartbeat timer only, the hooks' own timeouts
 * to read, and failures queued per operation.
 */
public final class FakeLifecycleActions implements LifecycleActions {

  public enum Operation { HEARTBEAT, COMPLETE, DESCRIBE, DESCRIBE_HOOKS, ACTIVITIES }

  /** How a held action ended: by whom, with which result, and when. */
  public record Ending(LifecycleResult result, boolean byTimeout, Instant at) {}

  private static final class Held {
    final LifecycleAction action;
    final HookTimeouts hook;
    final Instant globalDeadline;
    Instant expiresAt;
    final List<Instant> heartbeats = new ArrayList<>();
    Ending ending;

    Held(LifecycleAction action, HookTimeouts hook, Instant from) {
      this.action = action;
      this.hook = hook;
      this.globalDeadline = from.plus(hook.globalTimeout());
      renew(from);
    }

    void renew(Instant now) {
      renew(now, hook.heartbeatTimeout());
    }

    /**
     * A heartbeat restarts the heartbeat timer by the hook's heartbeat timeout as it is then ("This
     * extends the timeout by the length of time defined using the PutLifecycleHook API call",
     * RecordLifecycleActionHeartbeat), never past the global timeout the hold began with.
     */
    void renew(Instant now, Duration heartbeatTimeout) {
      Instant unrenewed = now.plus(heartbeatTimeout);
      expiresAt = unrenewed.isBefore(globalDeadline) ? unrenewed : globalDeadline;
    }
  }

  private final Clock clock;
  private final Map<String, Held> held = new LinkedHashMap<>();
  private final Map<String, Fleet.GroupState> groupStates = new LinkedHashMap<>();
  private final Map<String, Boolean> retaining = new LinkedHashMap<>();
  private final Map<String, Map<LifecycleAction.Transition, String>> runbookTags = new LinkedHashMap<>();
  private int activitiesSoFar;
  private final Map<String, Fleet.Activity> activityOfHold = new LinkedHashMap<>();
  private final Map<String, HookTimeouts> hooks = new LinkedHashMap<>();
  private final CallFaults<Operation> faults = new CallFaults<>(Operation.class, "Throttling");

  public FakeLifecycleActions(Clock clock) {
    this.clock = clock;
  }

  /**
   * Holds the action at its hook from its {@code heldSince}, as Auto Scaling does on scale-in, after
   * a scaling activity of its own that started a moment before and names the instance; the hook,
   * unless defined already, has the heartbeat timeout, the global timeout Auto Scaling derives from
   * it, and the default result.
   */
  public synchronized FakeLifecycleActions hold(
      LifecycleAction action, Duration heartbeatTimeout, LifecycleResult defaultResult) {
    HookTimeouts hook = hooks.computeIfAbsent(hookKey(action.group(), action.hook()), key -> {
      HookTimeouts assumed = HookTimeouts.assumed(heartbeatTimeout);
      return new HookTimeouts(heartbeatTimeout, assumed.globalTimeout(), Optional.of(defaultResult));
    });
    held.put(key(action), new Held(action, hook, action.heldSince()));
    Fleet.Activity activity = new Fleet.Activity(
        UUID.nameUUIDFromBytes((key(action) + "/" + activitiesSoFar++).getBytes(StandardCharsets.UTF_8)).toString(),
        action.heldSince().minusSeconds(1),
        (action.transition() == LifecycleAction.Transition.LAUNCHING ? "Launching a new EC2 instance: "
            : "Terminating EC2 instance: ") + action.instance());
    activityOfHold.put(key(action), activity);
    return this;
  }

  /** The action as the event's handler and the reconciler name it: with its scaling activity. */
  public synchronized LifecycleAction identified(LifecycleAction action) {
    return action.withActivity(activityOfHold.get(key(action)).asScalingActivity());
  }

  /** The group's instance lifecycle policy retains instances whose terminate action is abandoned. */
  public synchronized FakeLifecycleActions retainsAbandoned(LifecycleAction.GroupName group) {
    retaining.put(group.value(), true);
    return this;
  }

  /** Defines the group's hook with its own timeouts, for the actions it holds from now on. */
  public synchronized FakeLifecycleActions hook(
      LifecycleAction.GroupName group, LifecycleAction.HookName hook, HookTimeouts timeouts) {
    hooks.put(hookKey(group, hook), timeouts);
    return this;
  }

  /** The group carries the opt-in tag of the transition, naming the runbook (fleet mode). */
  public synchronized FakeLifecycleActions tag(
      LifecycleAction.GroupName group, LifecycleAction.Transition transition, String runbook) {
    runbookTags.computeIfAbsent(group.value(), name -> new EnumMap<>(LifecycleAction.Transition.class))
        .put(transition, runbook);
    return this;
  }

  /** The group is being deleted, or gone; groups are active unless a test says otherwise. */
  public synchronized FakeLifecycleActions groupState(LifecycleAction.GroupName group, Fleet.GroupState state) {
    groupStates.put(group.value(), state);
    return this;
  }

  public synchronized FakeLifecycleActions failNext(Operation operation, ServiceFailure... failures) {
    faults.failNext(operation, failures);
    return this;
  }

  /** Calls of the operation beyond this rate are throttled. */
  public synchronized FakeLifecycleActions rateLimit(Operation operation, double perSecond, double burst) {
    faults.rateLimit(operation, new TokenBucket(perSecond, burst, clock.now()));
    return this;
  }

  /** This share of all calls fail for now, as a 5xx or a dropped connection would. */
  public synchronized FakeLifecycleActions randomFaults(double share, Random draw) {
    faults.randomFaults(share, draw);
    return this;
  }

  public synchronized int calls(Operation operation) {
    return faults.calls(operation);
  }

  public synchronized int throttled(Operation operation) {
    return faults.throttled(operation);
  }

  /** How the action ended, if it has. */
  public synchronized Optional<Ending> ending(LifecycleAction action) {
    Held h = held.get(key(action));
    if (h == null) {
      return Optional.empty();
    }
    expireIfDue(h);
    return Optional.ofNullable(h.ending);
  }

  /** Whether any action is still held; an inspection, not a call. */
  public synchronized boolean anyHeld() {
    held.values().forEach(this::expireIfDue);
    return held.values().stream().anyMatch(h -> h.ending == null);
  }

  public synchronized List<Instant> heartbeats(LifecycleAction action) {
    return List.copyOf(held.get(key(action)).heartbeats);
  }

  /** A person or another process completes the action. */
  public synchronized void completeElsewhere(LifecycleAction action, LifecycleResult result) {
    held.get(key(action)).ending = new Ending(result, false, clock.now());
  }

  @Override
  public synchronized Answer recordHeartbeat(LifecycleAction action) {
    called(Operation.HEARTBEAT);
    Held h = active(action);
    if (h == null) {
      return Answer.NOT_ACTIVE;
    }
    h.heartbeats.add(clock.now());
    h.renew(clock.now(), hooks.get(hookKey(h.action.group(), h.action.hook())).heartbeatTimeout());
    return Answer.ACCEPTED;
  }

  @Override
  public synchronized HookTimeouts timeoutsOf(LifecycleAction.GroupName group, LifecycleAction.HookName hook) {
    called(Operation.DESCRIBE_HOOKS);
    HookTimeouts timeouts = hooks.get(hookKey(group, hook));
    if (timeouts == null) {
      throw new ServiceFailure.Rejected("LifecycleHookNotFound", "no lifecycle hook " + hook + " in " + group, null);
    }
    return timeouts;
  }

  @Override
  public synchronized Fleet.Group describe(LifecycleAction.GroupName group) {
    called(Operation.DESCRIBE);
    return described(group);
  }

  private Fleet.Group described(LifecycleAction.GroupName group) {
    List<Fleet.WaitingInstance> waiting = new ArrayList<>();
    for (Held h : held.values()) {
      expireIfDue(h);
      if (h.ending == null && h.action.group().equals(group)) {
        waiting.add(new Fleet.WaitingInstance(h.action.instance(), h.action.transition(),
            h.action.destination().orElse(h.action.transition() == LifecycleAction.Transition.LAUNCHING
                ? LifecycleAction.Place.AUTO_SCALING_GROUP : LifecycleAction.Place.EC2)));
      }
    }
    return new Fleet.Group(groupStates.getOrDefault(group.value(), Fleet.GroupState.ACTIVE), waiting,
        retaining.getOrDefault(group.value(), false), runbookTags.getOrDefault(group.value(), Map.of()));
  }

  /** The groups that carry an opt-in tag, described in one call, as one page of Auto Scaling's answer. */
  @Override
  public synchronized Map<LifecycleAction.GroupName, Fleet.Group> enrolled() {
    called(Operation.DESCRIBE);
    Map<LifecycleAction.GroupName, Fleet.Group> enrolled = new LinkedHashMap<>();
    for (String group : runbookTags.keySet()) {
      LifecycleAction.GroupName name = new LifecycleAction.GroupName(group);
      enrolled.put(name, described(name));
    }
    return enrolled;
  }

  /** The activities of the group's actions still held, newest first, as in-progress activities are listed. */
  @Override
  public synchronized List<Fleet.Activity> activitiesInProgress(LifecycleAction.GroupName group) {
    called(Operation.ACTIVITIES);
    List<Fleet.Activity> inProgress = new ArrayList<>();
    for (Map.Entry<String, Held> entry : held.entrySet()) {
      expireIfDue(entry.getValue());
      Fleet.Activity activity = activityOfHold.get(entry.getKey());
      if (entry.getValue().ending == null && activity != null && entry.getValue().action.group().equals(group)) {
        inProgress.add(activity);
      }
    }
    inProgress.sort(java.util.Comparator.comparing(Fleet.Activity::startedAt).reversed());
    return inProgress;
  }

  @Override
  public synchronized Answer complete(LifecycleAction action, LifecycleResult result) {
    called(Operation.COMPLETE);
    Held h = active(action);
    if (h == null) {
      return Answer.NOT_ACTIVE;
    }
    h.ending = new Ending(result, false, clock.now());
    return Answer.ACCEPTED;
  }

  /**
   * The action held for the instance at the hook; like Auto Scaling, a call that names a token
   * finds it only if the token is the held action's.
   */
  private Held active(LifecycleAction action) {
    Held h = held.get(key(action));
    if (h == null || (action.token().isPresent() && !action.token().equals(h.action.token()))) {
      return null;
    }
    expireIfDue(h);
    return h.ending == null ? h : null;
  }

  private static String hookKey(LifecycleAction.GroupName group, LifecycleAction.HookName hook) {
    return group + "/" + hook;
  }

  private static String key(LifecycleAction action) {
    return action.group() + "/" + action.hook() + "/" + action.instance();
  }

  private void expireIfDue(Held h) {
    if (h.ending == null && !clock.now().isBefore(h.expiresAt)) {
      h.ending = new Ending(h.hook.defaultResult().orElseThrow(), true, h.expiresAt);
    }
  }

  private void called(Operation operation) {
    faults.call(operation, clock.now());
  }
}
