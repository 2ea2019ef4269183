package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/** Runs the handling of one lifecycle action to its end, its hand-over or its parking, on a clock. */
public final class Orchestrator {

  /**
   * The runbook for each transition that has one; the hook whose actions are ours for each
   * transition where it is known (an action of another hook is not touched; without a known hook,
   * every action the rule delivers is ours); the rules every orchestration runs by; and what a
   * return to the warm pool on scale-in does.
   */
  public record Config(
      Map<LifecycleAction.Transition, Runbook> runbooks,
      Map<LifecycleAction.Transition, LifecycleAction.HookName> hooks,
      Orchestration.Rules rules,
      WarmPoolReturn warmPoolReturn) {
    public Config {
      runbooks = Map.copyOf(runbooks);
      hooks = Map.copyOf(hooks);
      requireNonNull(rules, "rules");
      requireNonNull(warmPoolReturn, "warmPoolReturn");
    }

    /** A configuration that runs the terminate runbook when an instance returns to the warm pool. */
    public Config(
        Map<LifecycleAction.Transition, Runbook> runbooks,
        Map<LifecycleAction.Transition, LifecycleAction.HookName> hooks,
        Orchestration.Rules rules) {
      this(runbooks, hooks, rules, WarmPoolReturn.RUN);
    }

    public Optional<Runbook> runbookFor(LifecycleAction.Transition transition) {
      return Optional.ofNullable(runbooks.get(transition));
    }

    public Optional<LifecycleAction.HookName> hookFor(LifecycleAction.Transition transition) {
      return Optional.ofNullable(hooks.get(transition));
    }
  }

  private final Automations automations;
  private final LifecycleActions lifecycleActions;
  private final Optional<WaitingRoom> waitingRoom;
  private final Clock clock;
  private final Config config;
  private final Milestone.Listener listener;
  private final LookAhead lookAhead;
  private final Hooks hooks;

  /** @param lookAhead told of a new action's pre-flight look-ups before they are made, so that they may be made at once */
  public Orchestrator(
      Automations automations,
      LifecycleActions lifecycleActions,
      Optional<WaitingRoom> waitingRoom,
      Clock clock,
      Config config,
      Milestone.Listener listener,
      LookAhead lookAhead) {
    this.lookAhead = requireNonNull(lookAhead, "lookAhead");
    this.automations = requireNonNull(automations, "automations");
    this.lifecycleActions = requireNonNull(lifecycleActions, "lifecycleActions");
    this.waitingRoom = requireNonNull(waitingRoom, "waitingRoom");
    this.clock = requireNonNull(clock, "clock");
    this.config = requireNonNull(config, "config");
    this.listener = requireNonNull(listener, "listener");
    this.hooks = new Hooks(lifecycleActions, config.rules().heartbeatTimeout(), clock);
  }

  public Clock clock() {
    return clock;
  }

  /** The budget of an invocation that has {@code remaining} time at {@code now}. */
  public Budget budget(Instant now, Duration remaining) {
    return Budget.of(now, remaining, config.rules().timings());
  }

  /**
   * What a lifecycle action that returns an instance to the warm pool on scale-in does: run the
   * terminate runbook like a termination, or complete at once with CONTINUE.
   */
  public enum WarmPoolReturn {
    RUN,
    CONTINUE
  }

  /**
   * Handles a new lifecycle action within the budget. A return to the warm pool that the setting
   * releases is completed with CONTINUE instead, through the same sending of the result as any
   * other.
   */
  public Outcome handle(LifecycleAction action, Budget budget, Continuations continuations) {
    return run(action, continuations, (runbook, ports) -> release(action)
        .map(result -> Orchestration.completing(action, runbook, ports, config.rules(), budget, clock.now(), result))
        .orElseGet(() -> {
          // An action with its token is claimed by a heartbeat first; one without lists the
          // scaling activities first, and is not looked ahead for.
          if (action.token().isPresent()) {
            lookAhead.lookUp(new LookAhead.Preflight(action, runbook.seatOf(action), !hooks.holds(action)));
          }
          return Orchestration.begin(action, runbook, ports, config.rules(), budget, clock.now());
        }));
  }

  /** Goes on with a lifecycle action that an earlier invocation handed over. */
  public Outcome resume(Continuation continuation, Budget budget, Continuations continuations) {
    Continuation goingOn = release(continuation.action()).map(continuation::sending).orElse(continuation);
    return run(continuation.action(), continuations,
        (runbook, ports) -> Orchestration.resume(goingOn, runbook, ports, config.rules(), budget, clock.now()));
  }

  /** The CONTINUE a return to the warm pool gets at once when {@link WarmPoolReturn#CONTINUE} says so. */
  private Optional<Continuation.Pending> release(LifecycleAction action) {
    if (!action.returnsToWarmPool() || config.warmPoolReturn() != WarmPoolReturn.CONTINUE) {
      return Optional.empty();
    }
    return Optional.of(new Continuation.Pending(LifecycleResult.CONTINUE,
        "the instance returns to the warm pool and the warm pool return setting is CONTINUE: no runbook is run"));
  }

  /**
   * Whether an ABANDON of the terminate action leaves the instance retained rather than terminated:
   * the group's instance lifecycle policy says so (RetentionTriggers TerminateHookAbandon = retain).
   * Empty when Auto Scaling cannot say.
   */
  public Optional<Boolean> retainsAbandoned(LifecycleAction.GroupName group) {
    try {
      return Optional.of(lifecycleActions.describe(group).retainsAbandoned());
    } catch (ServiceFailure failure) {
      return Optional.empty();
    }
  }

  private Outcome run(
      LifecycleAction action,
      Continuations continuations,
      BiFunction<Runbook, Orchestration.Ports, Orchestration> orchestration) {
    Optional<Runbook> runbook = config.runbookFor(action.transition());
    if (runbook.isEmpty()) {
      return new Outcome.Ignored("no runbook is configured for " + action.transition().wireName()
          + " lifecycle actions (instance " + action.instance() + ")");
    }
    Optional<LifecycleAction.HookName> ours = config.hookFor(action.transition());
    if (ours.isPresent() && !ours.get().equals(action.hook())) {
      return new Outcome.Ignored("a lifecycle action of hook " + action.hook() + ", not of this function's hook "
          + ours.get() + " (instance " + action.instance() + "); another hook's actions are not touched");
    }
    Orchestration.Ports ports =
        new Orchestration.Ports(automations, lifecycleActions, hooks, continuations, waitingRoom, listener);
    try {
      Orchestration running = orchestration.apply(runbook.get(), ports);
      Steps.runToEnd(running, clock);
      return running.outcome().orElseThrow();
    } finally {
      lookAhead.forget();
    }
  }
}
