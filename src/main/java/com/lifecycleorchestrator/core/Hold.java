package com.lifecycleorchestrator.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The supervision of the hold on one instance: whether holding it makes sense before the runbook
 * starts (the group is not being deleted, the SSM agent can run the runbook, or, for a launching
 * instance, comes online in time), the heartbeats that keep the hook from giving up, and the hook's
 * global deadline, which no heartbeat moves. Both follow the hook's own timeouts.
 */
final class Hold {

  private final LifecycleAction action;
  private final Orchestration.Ports ports;
  private final Orchestration.Rules rules;
  private final Timeline timeline;
  private HookTimeouts hook;
  private final Instant hookDeadline;
  private Instant lastHeartbeat;
  /** The heartbeat timeout the hold's timer runs by since the last heartbeat: the hook's when it was sent. */
  private Duration timer;
  private Instant nextHeartbeat;
  private int heartbeatFailures;
  /** The group as read a moment ago to choose the runbook (fleet mode), for the pre-flight to use once. */
  private Optional<Fleet.Group> groupAsRead;

  Hold(LifecycleAction action, Orchestration.Ports ports, Orchestration.Rules rules, Timeline timeline,
      HookTimeouts hook, Instant hookDeadline, Instant lastHeartbeat, Duration timer, Instant now,
      Optional<Fleet.Group> groupAsRead) {
    this.action = action;
    this.groupAsRead = groupAsRead;
    this.ports = ports;
    this.rules = rules;
    this.timeline = timeline;
    this.hook = hook;
    this.hookDeadline = hookDeadline;
    this.lastHeartbeat = lastHeartbeat;
    this.timer = timer;
    Instant firstHeartbeat = lastHeartbeat.plus(rules.timings().heartbeatEvery(timer));
    this.nextHeartbeat = firstHeartbeat.isAfter(now) ? firstHeartbeat : now;
  }

  /**
   * Heartbeats go out at a share of the hook's heartbeat timeout: each RecordLifecycleActionHeartbeat
   * restarts that timer (Amazon EC2 Auto Scaling User Guide, "Complete a lifecycle action").
   */
  Duration heartbeatEvery() {
    return rules.timings().heartbeatEvery(hook.heartbeatTimeout());
  }

  HookTimeouts hook() {
    return hook;
  }

  Instant hookDeadline() {
    return hookDeadline;
  }

  Instant lastHeartbeat() {
    return lastHeartbeat;
  }

  Instant nextHeartbeat() {
    return nextHeartbeat;
  }

  /**
   * When the hook gives up unless it hears from us: a heartbeat timeout after the last heartbeat,
   * and at the global deadline whatever the heartbeats.
   */
  Instant expiresAt() {
    Instant unrenewed = lastHeartbeat.plus(timer);
    return unrenewed.isBefore(hookDeadline) ? unrenewed : hookDeadline;
  }

  /** The last moment to look at the runbook and send our result before the hook's default applies. */
  Instant lastCall() {
    return hookDeadline.minus(rules.timings().deadlineMargin());
  }

  /**
   * When the next heartbeat is due by the hook's interval, counted from the last one Auto Scaling
   * accepted. Unlike {@link #nextHeartbeat()}, not brought forward to retry a heartbeat that failed
   * before the interval is up (a claim's, which is sent whatever the interval): the hold is as safe
   * until then as it was before that heartbeat. One already overdue is retried when planned.
   */
  Instant nextHeartbeatByTheInterval() {
    Instant byTheInterval = lastHeartbeat.plus(rules.timings().heartbeatEvery(timer));
    return byTheInterval.isAfter(nextHeartbeat) ? byTheInterval : nextHeartbeat;
  }

  boolean heartbeatDue(Instant now) {
    return !now.isBefore(nextHeartbeat);
  }

  /**
   * Restarts the hook's heartbeat timer, unless the hold has ended: then where the handling goes
   * instead. The group is asked first unless {@code groupAskedNow} (the pre-flight asks it at the
   * same moment) or a reconciler watches it: its passes, every few minutes, release a deleting
   * group's waiting instances sooner than a heartbeat interval would, and the next heartbeat then
   * finds the action no longer active.
   */
  Optional<Position> keepAlive(Instant now, boolean groupAskedNow) {
    if (!groupAskedNow && groupDeletionIsOurs()) {
      return Optional.of(releasedForTheGroupsDeletion(now));
    }
    try {
      Optional<Position> ended = heartbeat(now);
      if (ended.isEmpty()) {
        followTheHooksTimeoutsAsTheyAreNow(now);
      }
      return ended;
    } catch (ServiceFailure failure) {
      return Optional.empty();
    }
  }

  /**
   * A heartbeat "extends the timeout by the length of time defined using the PutLifecycleHook API
   * call" (RecordLifecycleActionHeartbeat, API Reference): by the hook's heartbeat timeout as it is
   * now, which an operator may have shortened since it was read. So the hook is read again after
   * each heartbeat, and the next one is timed by what it says; the global deadline stays as it was
   * when the hold began. If the hook cannot be read now, the timeouts known so far stay.
   */
  private void followTheHooksTimeoutsAsTheyAreNow(Instant now) {
    HookTimeouts current = ports.hooks().readNow(action, hook);
    if (!current.equals(hook)) {
      hook = current;
      timer = current.heartbeatTimeout();
      nextHeartbeat = now.plus(heartbeatEvery());
    }
  }

  /**
   * Sends a heartbeat now: empty if Auto Scaling accepted it, where the handling goes if the
   * action is no longer active. A heartbeat that names the action's token reaches that very action
   * or none, so an accepted one also proves that a late or repeated delivery is still current.
   * The follower's sign of life is written on the execution it follows, for the reconciler.
   *
   * @throws ServiceFailure the heartbeat failed for now (it is tried again after a pause)
   */
  Optional<Position> heartbeat(Instant now) {
    try {
      if (ports.lifecycleActions().recordHeartbeat(action) == LifecycleActions.Answer.NOT_ACTIVE) {
        timeline.waitEnded(now);
        return Optional.of(new Position.Finished(new Outcome.AlreadyCompleted(timeline.progress(now),
            Optional.empty(), "the lifecycle action was no longer active when its heartbeat was due")));
      }
    } catch (ServiceFailure failure) {
      Duration pause = rules.timings().retrying().delayBefore(heartbeatFailures++);
      nextHeartbeat = now.plus(pause);
      ports.listener().reached(action, new Milestone.HeartbeatFailed(failure.code(), pause));
      throw failure;
    }
    heartbeatFailures = 0;
    lastHeartbeat = now;
    timer = hook.heartbeatTimeout();
    nextHeartbeat = now.plus(heartbeatEvery());
    ports.listener().reached(action, new Milestone.HeartbeatSent());
    timeline.execution().ifPresent(execution -> signOfLife(execution, now));
    return Optional.empty();
  }

  /**
   * Tells the reconciler that this execution's action is followed, as of now. A sign not written
   * costs at most a second follower, which completes the action with the same execution's result.
   */
  void signOfLife(Runbook.ExecutionId execution, Instant now) {
    try {
      ports.automations().record(execution, Map.of(Runbook.Entry.FOLLOWED_AT, now.toString()));
    } catch (ServiceFailure failure) {
      ports.listener().reached(action, new Milestone.RecordNotWritten(failure.code()));
    }
  }

  /** The pre-flight: the group is not being deleted and, if asked, the agent can run the runbook. */
  Position check(Position.Checking checking, Instant now) {
    Optional<Fleet.Group> read = groupAsRead;
    groupAsRead = Optional.empty();
    if (read.map(group -> group.state() == Fleet.GroupState.DELETING).orElseGet(this::groupIsBeingDeleted)) {
      return releasedForTheGroupsDeletion(now);
    }
    if (!checking.agent()) {
      return checking.on();
    }
    return lookForTheAgent(0, checking.on(), now);
  }

  /**
   * The pre-flight made again for a start that waited for SSM's capacity: the agent is looked at
   * again; the group's deletion, when a reconciler watches the groups, is left to its passes, as a
   * waiting hold's heartbeats leave it.
   */
  Position checkAgain(Position.Starting on, Instant now) {
    if (groupDeletionIsOurs()) {
      return releasedForTheGroupsDeletion(now);
    }
    return lookForTheAgent(0, on, now);
  }

  /**
   * Whether the group is being deleted, where noticing it falls to this hold: not when a reconciler
   * watches the groups, whose passes release a deleting group's waiting instances.
   */
  private boolean groupDeletionIsOurs() {
    return !rules.deletionsLeftToTheReconciler() && groupIsBeingDeleted();
  }

  /** Looks again for a launching instance's agent; once online, the runbook starts. */
  Position awaitAgent(Position.AwaitingAgent awaiting, Instant now) {
    return lookForTheAgent(awaiting.attempt() + 1, awaiting.on(), now);
  }

  /**
   * Whether the agent can run the runbook: if so (or SSM cannot say), going {@code on}. A
   * launching instance's agent registers some time after the instance boots, so one not online
   * yet is looked for again until the agent wait (counted from the launch) or the hook's deadline
   * is up; a terminating instance's agent is not waited for.
   */
  private Position lookForTheAgent(int attempt, Position on, Instant now) {
    Optional<LifecycleResult> result = rules.results().onUnreachableAgent();
    boolean awaitsAgent = result.isPresent() && action.transition() == LifecycleAction.Transition.LAUNCHING;
    Fleet.Agent agent;
    try {
      agent = ports.automations().agentOf(action.instance());
    } catch (ServiceFailure failure) {
      // A launch started before its agent registers fails, so SSM's silence is asked again, until
      // the hook's last call rather than the agent wait: the wait bounds an agent known offline.
      Duration pause = rules.timings().retrying().delayBefore(attempt);
      if (awaitsAgent && on instanceof Position.Starting starting && now.plus(pause).isBefore(lastCall())) {
        return new Position.AwaitingAgent(attempt, new Position.Starting(starting.epoch(), 0, now.plus(pause)),
            now.plus(pause));
      }
      return on;
    }
    if (agent == Fleet.Agent.ONLINE) {
      return on;
    }
    if (awaitsAgent && on instanceof Position.Starting starting && now.isBefore(agentWaitEnds())) {
      // The last look comes at the wait's end itself, so that an agent registering in the wait's
      // last pause is not given up on.
      Duration pause = rules.timings().agentChecks().delayBefore(attempt);
      Duration left = Duration.between(now, agentWaitEnds());
      pause = pause.compareTo(left) < 0 ? pause : left;
      ports.listener().reached(action, new Milestone.AwaitingAgent(agent, pause));
      return new Position.AwaitingAgent(attempt, new Position.Starting(starting.epoch(), 0, now.plus(pause)),
          now.plus(pause));
    }
    ports.listener().reached(action, new Milestone.AgentUnreachable(agent, result.isEmpty()));
    if (result.isEmpty()) {
      return on;
    }
    timeline.waitEnded(now);
    String reason = unreachable(agent);
    if (action.transition() == LifecycleAction.Transition.LAUNCHING) {
      reason = "the instance's SSM agent did not come online within " + Duration.between(action.heldSince(),
          agentWaitEnds()).toSeconds() + " s of the launch (the agent wait, or the hook's deadline if sooner): "
          + reason;
    }
    return new Position.Completing(result.get(), reason, 0, now);
  }

  /** The agent wait ends this long after the launch, or at the last call before the hook's deadline. */
  private Instant agentWaitEnds() {
    Instant bound = action.heldSince().plus(rules.timings().agentWait());
    return bound.isBefore(lastCall()) ? bound : lastCall();
  }

  private static String unreachable(Fleet.Agent agent) {
    return switch (agent) {
      case NOT_MANAGED -> "SSM does not manage the instance: no SSM agent is registered for it, or the "
          + "instance id is not one SSM knows; the runbook was not started";
      case CONNECTION_LOST -> "the instance's SSM agent is offline (ping status ConnectionLost); the "
          + "runbook was not started";
      default -> "the instance's SSM agent is inactive (ping status Inactive); the runbook was not started";
    };
  }

  /** Whether the group is being deleted; if Auto Scaling cannot say, it is taken not to be. */
  private boolean groupIsBeingDeleted() {
    try {
      return ports.lifecycleActions().describe(action.group()).state() == Fleet.GroupState.DELETING;
    } catch (ServiceFailure failure) {
      return false;
    }
  }

  private Position releasedForTheGroupsDeletion(Instant now) {
    ports.listener().reached(action, new Milestone.GroupBeingDeleted());
    timeline.waitEnded(now);
    return new Position.Completing(LifecycleResult.CONTINUE,
        "the group is being deleted: the instance is released at once so that the deletion is not held up", 0, now);
  }
}
