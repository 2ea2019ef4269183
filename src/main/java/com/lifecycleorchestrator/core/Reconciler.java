package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import com.lifecycleorchestrator.ports.Automations;
import com.lifecycleorchestrator.ports.Continuations;
import com.lifecycleorchestrator.ports.LifecycleActions;
import com.lifecycleorchestrator.ports.ServiceFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Finds the lifecycle actions nobody handles and hands each to a fresh invocation: an instance that
 * waits at our hook with no execution of our runbook (its event never arrived, or its invocation
 * died before the start), or whose execution ended a while ago without the action being completed
 * (the invocation following it died). An instance whose execution still runs is left to whoever
 * follows it; since every start for one instance is the same request to SSM, a recovered action and
 * a late event can never start two runbooks. A pass examines a bounded number of instances, picked at
 * random, so that its calls stay within the account's rates however many instances wait.
 */
public final class Reconciler {

  /** Which groups and hook to watch, how many waiting instances a pass examines, and how long an
   * ended execution may wait for its own invocation to complete its action. */
  public record Config(
      List<LifecycleAction.GroupName> groups,
      LifecycleAction.HookName hook,
      int examinedPerPass,
      Duration completionGrace) {
    public Config {
      groups = List.copyOf(groups);
      requireNonNull(hook, "hook");
      requireNonNull(completionGrace, "completionGrace");
      if (groups.isEmpty() || examinedPerPass < 1) {
        throw new IllegalArgumentException("the reconciler needs a group and examines at least one instance");
      }
    }
  }

  /** What one pass found and did. */
  public record Pass(int waiting, int examined, int recovered, int releasedForDeletion, int failedCalls) {}

  private final Automations automations;
  private final LifecycleActions lifecycleActions;
  private final Clock clock;
  private final Orchestrator.Config orchestration;
  private final Config config;
  private final Random random;

  public Reconciler(Automations automations, LifecycleActions lifecycleActions, Clock clock,
      Orchestrator.Config orchestration, Config config, Random random) {
    this.automations = requireNonNull(automations, "automations");
    this.lifecycleActions = requireNonNull(lifecycleActions, "lifecycleActions");
    this.clock = requireNonNull(clock, "clock");
    this.orchestration = requireNonNull(orchestration, "orchestration");
    this.config = requireNonNull(config, "config");
    this.random = requireNonNull(random, "random");
  }

  public Pass reconcile(Continuations continuations) {
    Tally tally = new Tally();
    for (LifecycleAction.GroupName group : config.groups()) {
      Fleet.Group found;
      try {
        found = lifecycleActions.describe(group);
      } catch (ServiceFailure failure) {
        tally.failedCalls++;
        continue;
      }
      List<LifecycleAction> waiting = new ArrayList<>();
      for (Fleet.WaitingInstance instance : found.waiting()) {
        if (orchestration.runbookFor(instance.transition()).isPresent()) {
          waiting.add(waitingAction(group, instance));
        }
      }
      tally.waiting += waiting.size();
      if (found.state() == Fleet.GroupState.DELETING) {
        waiting.forEach(action -> releaseForTheGroupsDeletion(action, tally));
        continue;
      }
      Collections.shuffle(waiting, random);
      for (LifecycleAction action : waiting) {
        if (tally.examined >= config.examinedPerPass()) {
          break;
        }
        tally.examined++;
        examine(action, continuations, tally);
      }
    }
    return new Pass(tally.waiting, tally.examined, tally.recovered, tally.releasedForDeletion, tally.failedCalls);
  }

  private void examine(LifecycleAction action, Continuations continuations, Tally tally) {
    Runbook runbook = orchestration.runbookFor(action.transition()).orElseThrow();
    try {
      Optional<Runbook.ExecutionId> execution = automations.findEarlier(runbook.startFor(action));
      if (execution.isPresent() && isFollowed(execution.get())) {
        return;
      }
      if (lifecycleActions.recordHeartbeat(action) == LifecycleActions.Answer.NOT_ACTIVE) {
        return;
      }
      Instant now = clock.now();
      continuations.handOver(new Continuation(action, execution, now,
          orchestration.rules().hookDeadline(action), 1, 0));
      tally.recovered++;
    } catch (ServiceFailure failure) {
      tally.failedCalls++;
    }
  }

  /** An execution still running, or ended so recently that its own invocation is completing it. */
  private boolean isFollowed(Runbook.ExecutionId execution) {
    Runbook.Observation observed = automations.observe(execution);
    if (observed.status().state() == Runbook.State.RUNNING) {
      return true;
    }
    return observed.endedAt().map(ended -> ended.plus(config.completionGrace()).isAfter(clock.now())).orElse(false);
  }

  private void releaseForTheGroupsDeletion(LifecycleAction action, Tally tally) {
    try {
      if (lifecycleActions.complete(action, LifecycleResult.CONTINUE) == LifecycleActions.Answer.ACCEPTED) {
        tally.releasedForDeletion++;
      }
    } catch (ServiceFailure failure) {
      tally.failedCalls++;
    }
  }

  /**
   * The action of an instance found waiting: no token (it is completed by instance id), and, since
   * the hold's start is unknown, taken to have begun a whole heartbeat timeout ago, so that its first
   * heartbeat is due at once and its global deadline is never put too late.
   */
  private LifecycleAction waitingAction(LifecycleAction.GroupName group, Fleet.WaitingInstance instance) {
    return new LifecycleAction(instance.transition(), group, config.hook(), instance.instance(), Optional.empty(),
        clock.now().minus(orchestration.rules().heartbeatTimeout()));
  }

  private static final class Tally {
    int waiting;
    int examined;
    int recovered;
    int releasedForDeletion;
    int failedCalls;
  }
}
