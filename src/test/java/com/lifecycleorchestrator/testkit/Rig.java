package com.lifecycleorchestrator.testkit;

import com.lifecycleorchestrator.core.Budget;
import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.Enrolment;
import com.lifecycleorchestrator.core.Hooks;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.LookAhead;
import com.lifecycleorchestrator.core.Milestone;
import com.lifecycleorchestrator.core.Orchestration;
import com.lifecycleorchestrator.core.Orchestrator;
import com.lifecycleorchestrator.core.Outcome;
import com.lifecycleorchestrator.core.Reconciler;
import com.lifecycleorchestrator.core.ResultPolicy;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.Timings;
import com.lifecycleorchestrator.settings.Settings;
import com.lifecycleorchestrator.core.WaitingRoom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The core wired to the shared fakes on a virtual clock, with the settings a test changes most.
 * Every test of the core, and the simulation, builds on this.
 */
public final class Rig {

  public static final Instant T0 = Instant.parse("2026-11-25T13:00:00Z");
  public static final String DOCUMENT = "GracefulExit-ArchiveLogs";
  public static final String LAUNCH_DOCUMENT = "GracefulLaunch-Warmup";

  public final VirtualClock clock = new VirtualClock(T0);
  public final FakeAutomations automations = new FakeAutomations(clock);
  public final FakeLifecycleActions lifecycleActions = new FakeLifecycleActions(clock);
  public final FakeContinuations continuations = new FakeContinuations();
  public final FakeWaitingRoom waitingRoom = new FakeWaitingRoom();
  public final List<Milestone> milestones = new ArrayList<>();

  private final Random random = new Random(42);
  private int serial;
  private LifecycleResult failureResult = LifecycleResult.ABANDON;
  private Duration heartbeatTimeout = Duration.ofHours(1);
  private Duration maxPollInterval = Duration.ofSeconds(15);
  private Duration agentWait = Settings.DEFAULT_AGENT_WAIT;
  private boolean statusEvents;
  private boolean launchRunbook;
  private Map<String, List<String>> parameters = Map.of("S3BucketName", List.of("my-logs"));
  private boolean withWaitingRoom;
  private Map<LifecycleAction.Transition, LifecycleAction.HookName> hooks =
      Map.of(LifecycleAction.Transition.TERMINATING, new LifecycleAction.HookName("graceful-exit"));
  private Optional<LifecycleResult> unreachableAgentResult = Optional.of(LifecycleResult.ABANDON);
  private Duration invocationTime = Duration.ZERO;
  private Orchestrator.WarmPoolReturn warmPoolReturn = Orchestrator.WarmPoolReturn.RUN;
  private Optional<Enrolment> enrolment = Optional.empty();
  private boolean deletionsLeftToTheReconciler;

  /** Fleet mode: groups are served by their tags, which may name these runbooks besides the stack's. */
  public Rig fleet(Enrolment enrolment) {
    this.enrolment = Optional.of(enrolment);
    return this;
  }

  /** A reconciler watches the groups: a waiting hold's heartbeats leave the group's deletion to its passes. */
  public Rig deletionsLeftToTheReconciler() {
    this.deletionsLeftToTheReconciler = true;
    return this;
  }

  /** What a return to the warm pool on scale-in does. */
  public Rig warmPoolReturn(Orchestrator.WarmPoolReturn choice) {
    this.warmPoolReturn = choice;
    return this;
  }

  public Rig failureResult(LifecycleResult result) {
    this.failureResult = result;
    return this;
  }

  /** What an instance whose agent is unreachable gets; empty: its runbook anyway. */
  public Rig unreachableAgentResult(Optional<LifecycleResult> result) {
    this.unreachableAgentResult = result;
    return this;
  }

  public Rig heartbeatTimeout(Duration timeout) {
    this.heartbeatTimeout = timeout;
    return this;
  }

  public Rig maxPollInterval(Duration cap) {
    this.maxPollInterval = cap;
    return this;
  }

  public Rig withLaunchRunbook() {
    this.launchRunbook = true;
    return this;
  }

  /** Actions that wait for SSM's capacity park in {@link #waitingRoom} instead of in the invocation. */
  public Rig withWaitingRoom() {
    this.withWaitingRoom = true;
    return this;
  }

  public Rig parameters(Map<String, List<String>> parameters) {
    this.parameters = parameters;
    return this;
  }

  public Duration heartbeatTimeout() {
    return heartbeatTimeout;
  }

  /** The hooks whose actions are ours; none named: every action delivered is ours. */
  public Rig hooks(Map<LifecycleAction.Transition, LifecycleAction.HookName> hooks) {
    this.hooks = hooks;
    return this;
  }

  public Orchestrator.Config config() {
    Map<LifecycleAction.Transition, Runbook> runbooks = new EnumMap<>(LifecycleAction.Transition.class);
    runbooks.put(LifecycleAction.Transition.TERMINATING, new Runbook(DOCUMENT, parameters));
    if (launchRunbook) {
      runbooks.put(LifecycleAction.Transition.LAUNCHING, new Runbook(LAUNCH_DOCUMENT, parameters));
    }
    return new Orchestrator.Config(runbooks, hooks, rules(), warmPoolReturn, enrolment);
  }

  public Orchestration.Rules rules() {
    return new Orchestration.Rules(new ResultPolicy(failureResult, unreachableAgentResult), heartbeatTimeout,
        timings(), deletionsLeftToTheReconciler);
  }

  /** The function's own timings, as the settings build them, with this rig's polling cap and seeded jitter. */
  public Timings timings() {
    return Settings.timings(maxPollInterval, agentWait, statusEvents, random::nextDouble);
  }

  /** The runbooks' status-change events reach the function: polling is their fallback. */
  public Rig withStatusEvents() {
    this.statusEvents = true;
    return this;
  }

  /** How long a launching instance's agent may take to come online. */
  public Rig agentWait(Duration wait) {
    this.agentWait = wait;
    return this;
  }

  public Orchestrator orchestrator() {
    return orchestrator(Milestone.Listener.NONE);
  }

  /** The orchestrator, reporting milestones to the listener as well as to {@link #milestones}. */
  public Orchestrator orchestrator(Milestone.Listener listener) {
    return new Orchestrator(automations, lifecycleActions, waitingRoom(), clock, config(), (action, milestone) -> {
      milestones.add(milestone);
      listener.reached(action, milestone);
    }, LookAhead.NONE);
  }

  /**
   * A reconciler of this rig's group and hook (in fleet mode, of the groups enrolled by their tags),
   * passing every five minutes, examining at least 25 instances a pass, four a second.
   */
  public Reconciler reconciler() {
    return new Reconciler(automations, lifecycleActions, clock, config(), new Reconciler.Config(
        enrolment.isPresent() ? List.of() : List.of(new LifecycleAction.GroupName("web-asg")),
        Duration.ofMinutes(5), 25, Duration.ofMillis(250), Duration.ofSeconds(270), maxPollInterval.multipliedBy(4)));
  }

  /** The ports an orchestration of this rig talks to, reporting milestones to {@link #milestones}. */
  public Orchestration.Ports ports() {
    return new Orchestration.Ports(automations, lifecycleActions, new Hooks(lifecycleActions, heartbeatTimeout, clock),
        continuations, waitingRoom(),
        (action, milestone) -> milestones.add(milestone));
  }

  private Optional<WaitingRoom> waitingRoom() {
    return withWaitingRoom ? Optional.of(waitingRoom) : Optional.empty();
  }

  /** Handles the action in one 15-minute invocation. */
  public Outcome handle(LifecycleAction action) {
    return orchestrator().handle(action, budget(), continuations);
  }

  /**
   * Handles the action as Lambda would across invocations of {@code invocation} each: every
   * hand-over is resumed at once by a fresh invocation, every parked action after its delay, until
   * an outcome that is neither.
   */
  public Outcome handleAcrossInvocations(LifecycleAction action, Duration invocation) {
    Orchestrator orchestrator = orchestrator();
    Instant began = clock.now();
    Outcome outcome = orchestrator.handle(action, budget(invocation), continuations);
    invocationTime = invocationTime.plus(Duration.between(began, clock.now()));
    while (outcome instanceof Outcome.HandedOver || outcome instanceof Outcome.Parked) {
      Continuation continuation;
      if (outcome instanceof Outcome.Parked parked) {
        clock.advance(parked.delay());
        continuation = parked.continuation();
      } else {
        clock.advance(Duration.ofMillis(100));
        continuation = ((Outcome.HandedOver) outcome).continuation();
      }
      began = clock.now();
      outcome = orchestrator.resume(continuation, budget(invocation), continuations);
      invocationTime = invocationTime.plus(Duration.between(began, clock.now()));
    }
    return outcome;
  }

  /** The time spent in invocations by {@link #handleAcrossInvocations}, the Lambda cost. */
  public Duration invocationTime() {
    return invocationTime;
  }

  /** A budget like a 15-minute invocation's, from now. */
  public Budget budget() {
    return budget(Duration.ofMinutes(15));
  }

  public Budget budget(Duration invocation) {
    return Budget.of(clock.now(), invocation, timings());
  }

  /** A new terminate action, held at its hook from now. */
  public LifecycleAction terminating() {
    return action(LifecycleAction.Transition.TERMINATING, clock.now());
  }

  public LifecycleAction action(LifecycleAction.Transition transition, Instant heldSince) {
    return action(new LifecycleAction.GroupName("web-asg"), transition, heldSince);
  }

  /** A new action of the group, held at its hook from now. */
  public LifecycleAction terminatingIn(LifecycleAction.GroupName group) {
    return action(group, LifecycleAction.Transition.TERMINATING, clock.now());
  }

  private LifecycleAction action(LifecycleAction.GroupName group, LifecycleAction.Transition transition,
      Instant heldSince) {
    serial++;
    return new LifecycleAction(transition,
        group,
        new LifecycleAction.HookName("graceful-exit"),
        new LifecycleAction.InstanceId(String.format("i-%017x", 0x0a1b2c3d4e5f0000L + serial)),
        new LifecycleAction.Token(String.format("87654321-4321-4321-4321-%012d", serial)),
        heldSince);
  }

  /** Holds the action at its hook with this rig's heartbeat timeout and ABANDON as default. */
  public LifecycleAction held(LifecycleAction action) {
    lifecycleActions.hold(action, heartbeatTimeout, LifecycleResult.ABANDON);
    return action;
  }
}
