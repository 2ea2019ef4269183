package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.core.Enrolment;
import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleActions;
import com.lifecycleorchestrator.core.LifecycleResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * EC2 Auto Scaling's lifecycle hooks as the simulation needs them, more exactly than the unit
 * tests' fake: each held action has its own token and its own scaling activity; an instance is held
 * at a hook for one action at a time; a call that names a token reaches that action only, one that
 * names the instance reaches whichever action holds it now ("CompleteLifecycleAction" and
 * "RecordLifecycleActionHeartbeat", EC2 Auto Scaling API Reference: a token of an action no longer
 * active is answered ValidationError "No active Lifecycle Action found with token ...", here
 * {@link LifecycleActions.Answer#NOT_ACTIVE}); a hold ends with the hook's DefaultResult when its
 * heartbeat timeout passes unrenewed or its global timeout passes ("Amazon EC2 Auto Scaling
 * lifecycle hooks", "Complete a lifecycle action"); an operator may complete an action by hand or
 * change a hook's heartbeat timeout: each later heartbeat extends a hold by the new one, while a
 * hold keeps the global timeout it began with. DescribeScalingActivities lists the activities in progress first ("Activities still in
 * progress appear first on the list"), a held instance's with StatusCode MidLifecycleAction, and an
 * activity stays in progress for a while after its action ends (the instance still launches or
 * terminates), with millisecond start times, whereas the events say when the hold began to the
 * second only.
 */
final class AutoScalingModel {

  /**
   * The groups, each enrolled in fleet mode by its tags: the stack's runbooks for one, another
   * terminate runbook the stack allows for the other.
   */
  static final Map<LifecycleAction.GroupName, Map<LifecycleAction.Transition, String>> GROUPS = Map.of(
      new LifecycleAction.GroupName("web-asg"), Map.of(
          LifecycleAction.Transition.TERMINATING, Enrolment.DEFAULT, LifecycleAction.Transition.LAUNCHING, Enrolment.DEFAULT),
      new LifecycleAction.GroupName("batch-asg"), Map.of(
          LifecycleAction.Transition.TERMINATING, "GracefulExit-Drain", LifecycleAction.Transition.LAUNCHING, Enrolment.DEFAULT));
  static final Map<LifecycleAction.Transition, LifecycleAction.HookName> HOOKS = Map.of(
      LifecycleAction.Transition.LAUNCHING, new LifecycleAction.HookName("graceful-launch"),
      LifecycleAction.Transition.TERMINATING, new LifecycleAction.HookName("graceful-exit"));

  /** One hold of an instance at a hook, from Auto Scaling's side. */
  static final class Held {
    final LifecycleAction.GroupName group;
    final History.Action action;
    final HookTimeouts hook;
    final Fleet.Activity activity;
    final Instant globalDeadline;
    final Duration activityTail;
    Instant expiresAt;
    /** When the hold was last renewed (its start, or the last heartbeat): its heartbeat timer runs from then. */
    Instant renewedAt;
    Optional<Instant> endedAt = Optional.empty();

    Held(LifecycleAction.GroupName group, History.Action action, HookTimeouts hook, Fleet.Activity activity,
        Duration activityTail) {
      this.group = group;
      this.action = action;
      this.hook = hook;
      this.activity = activity;
      this.activityTail = activityTail;
      this.globalDeadline = action.heldAt().plus(hook.globalTimeout());
      renew(action.heldAt(), hook);
    }

    /**
     * A heartbeat restarts the heartbeat timer by the hook's heartbeat timeout as it is now ("This
     * extends the timeout by the length of time defined using the PutLifecycleHook API call",
     * RecordLifecycleActionHeartbeat), never past the global timeout, which the hold keeps.
     */
    void renew(Instant now, HookTimeouts current) {
      renewedAt = now;
      Instant unrenewed = now.plus(current.heartbeatTimeout());
      expiresAt = unrenewed.isBefore(globalDeadline) ? unrenewed : globalDeadline;
    }

    boolean active() {
      return endedAt.isEmpty();
    }

    LifecycleAction.HookName hookName() {
      return HOOKS.get(action.transition());
    }

    /** The action as its EventBridge event names it: its token, and its hold's start to the second. */
    LifecycleAction asEvent() {
      return new LifecycleAction(action.transition(), group, hookName(), action.instance(),
          Optional.of(action.token()), action.heldAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
          Optional.empty(), Optional.of(action.destination()));
    }
  }

  private final EventLoop loop;
  private final History history;
  private final Map<LifecycleAction.Transition, HookTimeouts> hooks = new EnumMap<>(LifecycleAction.Transition.class);
  private final List<Held> holds = new ArrayList<>();
  private final Consumer<Held> onEnded;

  AutoScalingModel(EventLoop loop, History history, Map<LifecycleAction.Transition, HookTimeouts> hooks,
      Consumer<Held> onEnded) {
    this.loop = loop;
    this.history = history;
    this.hooks.putAll(hooks);
    this.onEnded = onEnded;
  }

  /**
   * Holds the instance at the transition's hook from now, after a scaling activity that started at
   * {@code launchedAt}; its hold ends when the hook's timeouts pass unless someone completes it.
   */
  Held hold(LifecycleAction.InstanceId instance, LifecycleAction.GroupName group, String runbook,
      LifecycleAction.Transition transition, LifecycleAction.Place destination, Instant launchedAt,
      Optional<Instant> agentOnlineAt, Duration activityTail) {
    Instant now = loop.clock().now();
    int id = history.actions.size();
    History.Action action = new History.Action(id, instance, transition, destination,
        new LifecycleAction.Token(uuid("token/" + id)), now, launchedAt, agentOnlineAt, runbook);
    history.actions.add(action);
    String verb = transition == LifecycleAction.Transition.LAUNCHING
        ? "Launching a new EC2 instance" + (destination == LifecycleAction.Place.WARM_POOL ? " into warm pool" : "")
        : "Terminating EC2 instance";
    Held held = new Held(group, action, hooks.get(transition),
        new Fleet.Activity(uuid("activity/" + id), launchedAt, verb + ": " + instance), activityTail);
    holds.add(held);
    history.note(now, "HOLD " + action.name() + " in " + group + " token " + action.token() + " activity started "
        + launchedAt + ", heartbeat timeout " + held.hook.heartbeatTimeout().toSeconds() + " s"
        + agentOnlineAt.map(at -> ", agent online at +" + Duration.between(launchedAt, at).toSeconds() + " s")
            .orElse(transition == LifecycleAction.Transition.LAUNCHING ? ", agent never online" : ""));
    watch(held);
    return held;
  }

  /** Ends the hold with the hook's default result once its timeout passes unrenewed. */
  private void watch(Held held) {
    loop.at(held.expiresAt, () -> {
      if (!held.active()) {
        return;
      }
      if (loop.clock().now().isBefore(held.expiresAt)) {
        watch(held);
        return;
      }
      LifecycleResult result = held.hook.defaultResult().orElseThrow();
      history.note(held.expiresAt, "TIMEOUT " + held.action.name() + " → " + result);
      end(held, new History.Ending(held.action.id(), History.Ender.TIMEOUT, result, held.expiresAt,
          Optional.empty(), false));
    });
  }

  private void end(Held held, History.Ending ending) {
    held.endedAt = Optional.of(ending.at());
    history.endings.add(ending);
    onEnded.accept(held);
  }

  /** The action that holds the instance at the hook now, if any. */
  Optional<Held> holding(LifecycleAction.HookName hook, LifecycleAction.InstanceId instance) {
    return holds.stream()
        .filter(held -> held.active() && held.hookName().equals(hook) && held.action.instance().equals(instance))
        .findFirst();
  }

  /** The action the call reaches: by its token, that action only; by instance, the one holding it now. */
  Optional<Held> reached(LifecycleAction addressed) {
    return holding(addressed.hook(), addressed.instance())
        .filter(held -> held.group.equals(addressed.group()))
        .filter(held -> addressed.token().isEmpty() || addressed.token().get().equals(held.action.token()));
  }

  LifecycleActions.Answer recordHeartbeat(LifecycleAction addressed) {
    Optional<Held> reached = reached(addressed);
    reached.ifPresent(held -> held.renew(loop.clock().now(), hooks.get(held.action.transition())));
    return reached.isPresent() ? LifecycleActions.Answer.ACCEPTED : LifecycleActions.Answer.NOT_ACTIVE;
  }

  /**
   * The function completes the action it addresses, sending the result of {@code execution} (none
   * when it decided without a runbook).
   */
  LifecycleActions.Answer complete(LifecycleAction addressed, LifecycleResult result, Optional<String> execution,
      boolean executionSucceeded) {
    Instant now = loop.clock().now();
    Optional<Held> reached = reached(addressed);
    history.note(now, "COMPLETE " + result + " addressed " + (addressed.token().isPresent()
        ? "by token " + addressed.token().get() : "by instance " + addressed.instance())
        + " with the result of " + execution.orElse("no execution") + ": "
        + reached.map(held -> "reached " + held.action.name()).orElse("no active action"));
    if (reached.isEmpty()) {
      return LifecycleActions.Answer.NOT_ACTIVE;
    }
    end(reached.get(), new History.Ending(reached.get().action.id(), History.Ender.FUNCTION, result, now, execution,
        executionSucceeded));
    return LifecycleActions.Answer.ACCEPTED;
  }

  /** An operator completes the action by hand, if it is still active. */
  void completeByHand(Held held, LifecycleResult result) {
    if (held.active()) {
      Instant now = loop.clock().now();
      history.fault(now, "operator completes by hand", held.action.name() + " → " + result);
      end(held, new History.Ending(held.action.id(), History.Ender.OPERATOR, result, now, Optional.empty(), false));
    }
  }

  /** An operator changes the hook's heartbeat timeout (PutLifecycleHook). */
  void changeHook(LifecycleAction.Transition transition, Duration heartbeatTimeout) {
    HookTimeouts before = hooks.get(transition);
    HookTimeouts assumed = HookTimeouts.assumed(heartbeatTimeout);
    hooks.put(transition, new HookTimeouts(heartbeatTimeout, assumed.globalTimeout(), before.defaultResult()));
    history.fault(loop.clock().now(), "operator changes the hook", HOOKS.get(transition) + " heartbeat timeout "
        + before.heartbeatTimeout().toSeconds() + " s → " + heartbeatTimeout.toSeconds() + " s");
  }

  HookTimeouts timeoutsOf(LifecycleAction.HookName hook) {
    return HOOKS.entrySet().stream().filter(entry -> entry.getValue().equals(hook)).findFirst()
        .map(entry -> hooks.get(entry.getKey())).orElseThrow();
  }

  /**
   * The group's instances waiting at a hook: an instance in Warmed:Pending:Wait, launched into the
   * warm pool or returning to it, is listed once for each hook, as the adapter lists it.
   */
  Fleet.Group describe(LifecycleAction.GroupName group) {
    List<Fleet.WaitingInstance> waiting = new ArrayList<>();
    for (Held held : holds) {
      if (!held.active() || !held.group.equals(group)) {
        continue;
      }
      if (held.action.destination() == LifecycleAction.Place.WARM_POOL) {
        for (LifecycleAction.Transition transition : LifecycleAction.Transition.values()) {
          waiting.add(new Fleet.WaitingInstance(held.action.instance(), transition, LifecycleAction.Place.WARM_POOL));
        }
      } else {
        waiting.add(new Fleet.WaitingInstance(held.action.instance(), held.action.transition(),
            held.action.destination()));
      }
    }
    return new Fleet.Group(Fleet.GroupState.ACTIVE, waiting, false, GROUPS.getOrDefault(group, Map.of()));
  }

  /** Every group, since every group carries its opt-in tags, in the order of their names. */
  Map<LifecycleAction.GroupName, Fleet.Group> enrolled() {
    Map<LifecycleAction.GroupName, Fleet.Group> enrolled = new java.util.TreeMap<>(
        Comparator.comparing(LifecycleAction.GroupName::value));
    GROUPS.keySet().forEach(group -> enrolled.put(group, describe(group)));
    return enrolled;
  }

  /**
   * The group's activities in progress, newest first: those of held actions, and of those that ended
   * a moment ago.
   */
  List<Fleet.Activity> activitiesInProgress(LifecycleAction.GroupName group) {
    Instant now = loop.clock().now();
    return holds.stream()
        .filter(held -> held.group.equals(group))
        .filter(held -> held.endedAt.map(ended -> now.isBefore(ended.plus(held.activityTail))).orElse(true))
        .map(held -> held.activity)
        .sorted(Comparator.comparing(Fleet.Activity::startedAt).reversed())
        .toList();
  }

  boolean anyHeld() {
    return holds.stream().anyMatch(Held::active);
  }

  List<Held> active() {
    return holds.stream().filter(Held::active).toList();
  }

  static String uuid(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
