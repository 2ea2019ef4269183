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
   * every action the rule delivers is ours); the rules every orchestration runs by; what a return
   * to the warm pool on scale-in does; and, in fleet mode, the enrolment by tag that says which
   * groups are served and with which runbook (without it, every group the rule delivers is served
   * with the runbook of its transition).
   */
  public record Config(
      Map<LifecycleAction.Transition, Runbook> runbooks,
      Map<LifecycleAction.Transition, LifecycleAction.HookName> hooks,
      Orchestration.Rules rules,
      WarmPoolReturn warmPoolReturn,
      Optional<Enrolment> enrolment) {
    public Config {
      runbooks = Map.copyOf(runbooks);
      hooks = Map.copyOf(hooks);
      requireNonNull(rules, "rules");
      requireNonNull(warmPoolReturn, "warmPoolReturn");
      requireNonNull(enrolment, "enrolment");
    }

    /** A configuration that serves the groups the rule delivers, each with the runbook of its transition. */
    public Config(
        Map<LifecycleAction.Transition, Runbook> runbooks,
        Map<LifecycleAction.Transition, LifecycleAction.HookName> hooks,
        Orchestration.Rules rules,
        WarmPoolReturn warmPoolReturn) {
      this(runbooks, hooks, rules, warmPoolReturn, Optional.empty());
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

    /**
     * The runbook of the transition that a status-change event's {@code Definition} names: the
     * stack's; in fleet mode also one the stack allows, which a group's tag may name, whatever the
     * group's tag says now (the execution ran it).
     */
    Optional<Runbook> runbookNamed(String definition, LifecycleAction.Transition transition) {
      Optional<Runbook> stacks = runbookFor(transition).filter(runbook -> runbook.isNamedBy(definition));
      return stacks.isPresent() ? stacks : enrolment.flatMap(fleet -> fleet.allowed(definition, runbookFor(transition)));
    }

    /**
     * The runbook that serves the group's lifecycle actions of the transition, or why none does: the
     * stack's runbook for it; in fleet mode, the one the group's tag names, if the stack allows it.
     */
    public Enrolment.Choice runbookIn(
        LifecycleAction.GroupName group, Fleet.Group described, LifecycleAction.Transition transition) {
      return enrolment.map(fleet -> fleet.choose(group, described, transition, runbookFor(transition)))
          .orElseGet(() -> runbookFor(transition).<Enrolment.Choice>map(Enrolment.Choice.Served::new)
              .orElseGet(() -> new Enrolment.Choice.NotEnrolled(noRunbookFor(transition))));
    }

    /**
     * The runbook of an action whose transition has a runbook here or in fleet mode: the stack's for
     * its transition; in fleet mode the one it started with ({@code startedWith}, from its
     * hand-over), while allowed, or else the one its group's tag names now, read from the group's
     * description.
     *
     * @throws ServiceFailure the group could not be read
     */
    public Enrolment.Choice runbookOf(LifecycleAction action, Optional<String> startedWith,
        LifecycleActions lifecycleActions) {
      if (enrolment.isEmpty()) {
        return new Enrolment.Choice.Served(runbookFor(action.transition()).orElseThrow());
      }
      Optional<Runbook> started = startedWith.flatMap(document ->
          enrolment.get().allowed(document, runbookFor(action.transition())));
      if (started.isPresent()) {
        return new Enrolment.Choice.Served(started.get());
      }
      Fleet.Group described = lifecycleActions.describe(action.group());
      Enrolment.Choice choice = runbookIn(action.group(), described, action.transition());
      return choice instanceof Enrolment.Choice.Served served
          ? new Enrolment.Choice.Served(served.runbook(), Optional.of(described)) : choice;
    }

    private static String noRunbookFor(LifecycleAction.Transition transition) {
      return "no runbook is configured for " + transition.wireName() + " lifecycle actions";
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
    return run(action, continuations, Optional.empty(), (served, ports) -> release(action)
        .map(result -> Orchestration.completing(action, served.runbook(), ports, config.rules(), budget, clock.now(),
            result))
        .orElseGet(() -> {
          // An action with its token is claimed by a heartbeat first; one without lists the
          // scaling activities first, and is not looked ahead for.
          if (action.token().isPresent()) {
            lookAhead.lookUp(new LookAhead.Preflight(action, served.runbook().seatOf(action), !hooks.holds(action)));
          }
          return Orchestration.begin(action, served.runbook(), ports, config.rules(), budget, clock.now(),
              served.groupAsRead());
        }));
  }

  /**
   * Goes on with a lifecycle action that an earlier invocation handed over, with the runbook it
   * started with while the stack still allows it, so that a group tagged anew meanwhile does not
   * switch a running action to another runbook.
   */
  public Outcome resume(Continuation continuation, Budget budget, Continuations continuations) {
    Continuation goingOn = release(continuation.action()).map(continuation::sending).orElse(continuation);
    return run(continuation.action(), continuations, continuation.runbook(),
        (served, ports) -> Orchestration.resume(goingOn, served.runbook(), ports, config.rules(), budget,
            clock.now()));
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

  /**
   * Releases the lifecycle action whose runbook ended, as the execution's status-change event says;
   * an event of any other execution releases nothing.
   */
  public Outcome runbookEnded(RunbookEnd end, Budget budget, Continuations continuations) {
    RunbookEndRelease release = releasing(end, budget, continuations);
    Steps.runToEnd(release, clock);
    return release.outcome().orElseThrow();
  }

  /** The release {@link #runbookEnded} runs to its end, for whoever drives its steps. */
  public RunbookEndRelease releasing(RunbookEnd end, Budget budget, Continuations continuations) {
    Orchestration.Ports ports = ports(continuations);
    return new RunbookEndRelease(end, config::runbookNamed, this::notOurs,
        (served, runbook) -> Orchestration.ended(served.action(), runbook, served.entry().execution(),
            served.entry().observation(), served.entry().followedAt(), ports, config.rules(), budget, clock.now()),
        ports, config.rules(), budget, clock.now());
  }

  private Outcome run(
      LifecycleAction action,
      Continuations continuations,
      Optional<String> startedWith,
      BiFunction<Enrolment.Choice.Served, Orchestration.Ports, Orchestration> orchestration) {
    Optional<String> notOurs = notOurs(action);
    if (notOurs.isPresent()) {
      return new Outcome.Ignored(notOurs.get());
    }
    Enrolment.Choice choice;
    try {
      choice = config.runbookOf(action, startedWith, lifecycleActions);
    } catch (ServiceFailure failure) {
      Instant now = clock.now();
      return new Outcome.Unfinished(new Timeline(action, now).progress(now), Optional.empty(),
          "the group's tags, which say whether it is served and by which runbook, could not be read ("
              + failure.code() + "): the delivery is tried again");
    }
    if (choice instanceof Enrolment.Choice.NotEnrolled notEnrolled) {
      return new Outcome.Ignored(notEnrolled.reason() + " (instance " + action.instance() + ")");
    }
    if (choice instanceof Enrolment.Choice.NotAllowed notAllowed) {
      return new Outcome.RunbookNotAllowed(action, notAllowed.reason());
    }
    try {
      Orchestration running = orchestration.apply((Enrolment.Choice.Served) choice, ports(continuations));
      Steps.runToEnd(running, clock);
      return running.outcome().orElseThrow();
    } finally {
      lookAhead.forget();
    }
  }

  /**
   * Why the action is not this function's to handle, if it is not: no runbook for its transition
   * (here or in fleet mode), or another hook's.
   */
  private Optional<String> notOurs(LifecycleAction action) {
    if (config.enrolment().isEmpty() && config.runbookFor(action.transition()).isEmpty()) {
      return Optional.of(Config.noRunbookFor(action.transition()) + " (instance " + action.instance() + ")");
    }
    Optional<LifecycleAction.HookName> ours = config.hookFor(action.transition());
    if (ours.isPresent() && !ours.get().equals(action.hook())) {
      return Optional.of("a lifecycle action of hook " + action.hook() + ", not of this function's hook "
          + ours.get() + " (instance " + action.instance() + "); another hook's actions are not touched");
    }
    return Optional.empty();
  }

  private Orchestration.Ports ports(Continuations continuations) {
    return new Orchestration.Ports(automations, lifecycleActions, hooks, continuations, waitingRoom, listener);
  }

}
