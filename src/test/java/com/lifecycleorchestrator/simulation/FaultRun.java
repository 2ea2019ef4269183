package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.core.Enrolment;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleAction.Place;
import com.lifecycleorchestrator.core.LifecycleAction.Transition;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Orchestration;
import com.lifecycleorchestrator.core.Orchestrator;
import com.lifecycleorchestrator.core.Reconciler;
import com.lifecycleorchestrator.core.ResultPolicy;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.RunbookEnd;
import com.lifecycleorchestrator.settings.Settings;
import com.lifecycleorchestrator.testkit.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * One seeded run of the fault simulation: one to three instances of two groups served in fleet mode,
 * each with the runbooks its tags name (the stack's, or another the stack allows), each going through
 * its lifecycle (a termination; a launch and a termination; or warm-pool cycles of launches into
 * the pool and the group and returns to the pool), handled by the real core and reconciler in the
 * Lambda model against the Auto Scaling and SSM models, under the faults the seed draws. Every draw
 * comes from the one {@link Random} seeded with the run's seed, in the event loop's order, so a
 * seed replays figure for figure.
 */
final class FaultRun {

  static final Instant T0 = Instant.parse("2026-11-25T13:00:00.000Z");
  static final Duration AGENT_WAIT = Settings.DEFAULT_AGENT_WAIT;
  static final LifecycleResult FAILURE_RESULT = LifecycleResult.ABANDON;
  static final Duration RECONCILE_EVERY = Duration.ofMinutes(5);
  private static final long[] HEARTBEAT_TIMEOUTS_SECONDS = {900, 1800, 3600, 7200};

  /** What a run did, in figures: the same seed gives the same figures. */
  record Figures(long seed, int actions, int starts, int startsWithoutActiveAction, int invocations, int apiCalls,
      int environments, Map<String, Integer> faults, Map<History.Ender, Integer> endings, List<String> violations,
      List<String> lostOnEveryPath) {}

  record Result(Figures figures, History history) {}

  /** One step of an instance's life: held at a transition's hook, going to the destination. */
  private record Step(Transition transition, Place destination) {}

  private final long seed;
  private final Random random;
  private final Faults faults;
  private final EventLoop loop = new EventLoop(new VirtualClock(T0));
  private final History history = new History(T0);
  private final Map<LifecycleAction.InstanceId, Deque<Step>> lives = new LinkedHashMap<>();
  /**
   * The instances go to the groups in turn, not by a draw, so that a seed draws what it drew before
   * the simulation had several groups.
   */
  private final Map<LifecycleAction.InstanceId, LifecycleAction.GroupName> groupOf = new LinkedHashMap<>();
  private static final List<LifecycleAction.GroupName> GROUPS = AutoScalingModel.GROUPS.keySet().stream()
      .sorted(java.util.Comparator.comparing(LifecycleAction.GroupName::value)).toList();
  private final AutoScalingModel autoScaling;
  private final SsmModel ssm;
  private final LambdaModel lambda;
  private final Map<Transition, Runbook> runbooks = new EnumMap<>(Transition.class);

  private FaultRun(long seed) {
    this.seed = seed;
    this.random = new Random(seed);
    this.faults = Faults.draw(random);
    // As template.yaml deploys them: both hooks and the function's HEARTBEAT_TIMEOUT_SECONDS from
    // one parameter; an operator may change a hook later.
    Duration heartbeat = Duration.ofSeconds(HEARTBEAT_TIMEOUTS_SECONDS[random.nextInt(HEARTBEAT_TIMEOUTS_SECONDS.length)]);
    Map<Transition, HookTimeouts> hooks = new EnumMap<>(Transition.class);
    for (Transition transition : Transition.values()) {
      hooks.put(transition, new HookTimeouts(heartbeat, HookTimeouts.assumed(heartbeat).globalTimeout(),
          Optional.of(random.nextBoolean() ? LifecycleResult.ABANDON : LifecycleResult.CONTINUE)));
    }
    this.autoScaling = new AutoScalingModel(loop, history, hooks, this::ended);
    this.ssm = new SsmModel(loop, history, autoScaling, this::script);
    Orchestration.Rules rules = new Orchestration.Rules(new ResultPolicy(FAILURE_RESULT, Optional.of(FAILURE_RESULT)),
        heartbeat, Settings.timings(Duration.ofSeconds(15), AGENT_WAIT, true, random::nextDouble), true);
    runbooks.put(Transition.LAUNCHING, new Runbook("GracefulLaunch-Warmup", Map.of()));
    runbooks.put(Transition.TERMINATING, new Runbook("GracefulExit-ArchiveLogs", Map.of("S3BucketName", List.of("logs"))));
    Orchestrator.Config config = new Orchestrator.Config(runbooks, AutoScalingModel.HOOKS, rules,
        Orchestrator.WarmPoolReturn.RUN, Optional.of(new Enrolment(Set.of("GracefulExit-Drain"), Map.of())));
    Reconciler.Config reconciler = new Reconciler.Config(List.of(), RECONCILE_EVERY, 25,
        Duration.ofMillis(250), Duration.ofSeconds(270), Duration.ofSeconds(60));
    this.lambda = new LambdaModel(loop, history, autoScaling, ssm, faults, random, config, reconciler);
    ssm.announcingEnds(this::announce);
  }

  /**
   * SSM announces the execution's end on EventBridge, which delivers it soon, late, twice, or never
   * ("Amazon EventBridge event examples for Systems Manager"; EventBridge delivers at least once and
   * retries for up to 24 hours, "Event retry policy").
   */
  private void announce(RunbookEnd end, Optional<Integer> action) {
    int of = action.orElse(LambdaModel.NO_ACTION_OF_OURS);
    if (random.nextDouble() < faults.statusEventLost()) {
      history.fault(loop.clock().now(), "status event lost", end.execution().value());
      return;
    }
    Instant arrives = end.endedAt().plusMillis(300 + random.nextInt(700));
    if (random.nextDouble() < faults.statusEventLate()) {
      arrives = end.endedAt().plusSeconds(60 + random.nextInt(3600));
      history.fault(loop.clock().now(), "status event late", end.execution() + " at " + arrives);
    }
    lambda.statusEvent(of, end, arrives, "status event");
    if (random.nextDouble() < faults.statusEventTwice()) {
      Instant again = arrives.plusSeconds(1 + random.nextInt(600));
      history.fault(loop.clock().now(), "status event delivered twice", end.execution() + " again at " + again);
      lambda.statusEvent(of, end, again, "repeated status event");
    }
  }

  static Result run(long seed) {
    FaultRun run = new FaultRun(seed);
    run.play();
    return new Result(run.figures(), run.history);
  }

  private void play() {
    history.note(T0, "SEED " + seed + " " + faults);
    int instances = 1 + random.nextInt(3);
    for (int i = 0; i < instances; i++) {
      LifecycleAction.InstanceId instance = new LifecycleAction.InstanceId(String.format("i-%017x", 0xabc000L + i));
      Deque<Step> life = life();
      lives.put(instance, life);
      groupOf.put(instance, GROUPS.get(i % GROUPS.size()));
      if (life.peekFirst().transition() == Transition.TERMINATING) {
        ssm.agentOnlineFrom(instance, random.nextInt(20) == 0 ? Optional.empty() : Optional.of(T0.minusSeconds(3600)));
      }
      loop.at(T0.plusMillis(random.nextInt(120_000)), () -> holdNext(instance));
    }
    for (int i = 0; i < faults.hookChanges(); i++) {
      Transition transition = Transition.values()[random.nextInt(2)];
      Duration heartbeat = Duration.ofSeconds(HEARTBEAT_TIMEOUTS_SECONDS[random.nextInt(HEARTBEAT_TIMEOUTS_SECONDS.length)]);
      loop.at(T0.plusSeconds(random.nextInt(3 * 3600)), () -> autoScaling.changeHook(transition, heartbeat));
    }
    for (int i = 0; i < faults.extraPasses(); i++) {
      lambda.pass(T0.plusMillis(random.nextInt(4 * 3600_000)), "unscheduled pass");
    }
    lambda.passEvery(RECONCILE_EVERY, T0.plusMillis(random.nextInt(300_000)),
        () -> autoScaling.anyHeld() || lives.values().stream().anyMatch(life -> !life.isEmpty()));
    loop.runAll();
  }

  /** An instance's life: a termination, a launch then a termination, or warm-pool cycles. */
  private Deque<Step> life() {
    Deque<Step> life = new ArrayDeque<>();
    switch (random.nextInt(3)) {
      case 0 -> life.add(new Step(Transition.TERMINATING, Place.EC2));
      case 1 -> {
        life.add(new Step(Transition.LAUNCHING, Place.AUTO_SCALING_GROUP));
        life.add(new Step(Transition.TERMINATING, Place.EC2));
      }
      default -> {
        life.add(new Step(Transition.LAUNCHING, Place.WARM_POOL));
        for (int cycle = random.nextInt(3); cycle >= 0; cycle--) {
          life.add(new Step(Transition.LAUNCHING, Place.AUTO_SCALING_GROUP));
          life.add(new Step(Transition.TERMINATING, cycle == 0 ? Place.EC2 : Place.WARM_POOL));
        }
      }
    }
    return life;
  }

  /**
   * Holds the instance at its next hook now: its event goes out (or is lost, repeated, late), an
   * operator may complete it by hand, and a launching instance's agent registers after its boot,
   * late, or never.
   */
  private void holdNext(LifecycleAction.InstanceId instance) {
    Step step = lives.get(instance).pollFirst();
    if (step == null) {
      return;
    }
    Instant now = loop.clock().now();
    Instant launchedAt = now.minusMillis(random.nextInt(3000));
    Optional<Instant> agentOnline = Optional.empty();
    if (step.transition() == Transition.LAUNCHING) {
      double draw = random.nextDouble();
      agentOnline = draw < 0.07 ? Optional.empty()
          : Optional.of(launchedAt.plusSeconds(draw < 0.25 ? 300 + random.nextInt(600) : 20 + random.nextInt(280)));
      ssm.agentOnlineFrom(instance, agentOnline);
    }
    LifecycleAction.GroupName group = groupOf.get(instance);
    AutoScalingModel.Held held = autoScaling.hold(instance, group, runbookOf(group, step.transition()),
        step.transition(), step.destination(), launchedAt,
        agentOnline, Duration.ofSeconds(random.nextInt(90)));
    int id = held.action.id();
    if (random.nextDouble() < faults.eventLost()) {
      lambda.eventLost(id);
    } else {
      lambda.event(id, held.asEvent(), now.plusMillis(300 + random.nextInt(5000)), "event");
    }
    if (random.nextDouble() < faults.eventDuplicated()) {
      Instant again = now.plusSeconds(1 + random.nextInt(600));
      history.fault(now, "event delivered twice", held.action.name() + " again at " + again);
      lambda.event(id, held.asEvent(), again, "duplicate event");
    }
    if (random.nextDouble() < faults.eventLate()) {
      Instant late = now.plusSeconds(600 + random.nextInt(24 * 3600 - 600));
      history.fault(now, "event delivered late", held.action.name() + " again at " + late);
      lambda.event(id, held.asEvent(), late, "late event");
    }
    if (random.nextDouble() < faults.operatorCompletes()) {
      LifecycleResult result = random.nextBoolean() ? LifecycleResult.CONTINUE : LifecycleResult.ABANDON;
      loop.at(now.plusSeconds(10 + random.nextInt(2400)), () -> autoScaling.completeByHand(held, result));
    }
  }

  /** The runbook the group's tag names for the transition: the stack's for {@link Enrolment#DEFAULT}. */
  private String runbookOf(LifecycleAction.GroupName group, Transition transition) {
    String tag = AutoScalingModel.GROUPS.get(group).get(transition);
    return tag.equals(Enrolment.DEFAULT) ? runbooks.get(transition).documentName() : tag;
  }

  /** An action ended: the instance moves on to its next hook a while later. */
  private void ended(AutoScalingModel.Held held) {
    History.Ending ending = history.endingOf(held.action.id()).orElseThrow();
    // Within its last heartbeat timeout: since its last renewal, by the hook's timeout then, which an
    // operator may have changed since the hold began.
    Instant since = ending.at().equals(held.globalDeadline) ? held.action.heldAt() : held.renewedAt;
    if (ending.by() == History.Ender.TIMEOUT && lambda.everyPathLost(held.action.id(), since)) {
      history.lostOnEveryPath.add(held.action.id());
    }
    boolean intoThePool = held.action.destination() == Place.WARM_POOL;
    Duration gap = Duration.ofSeconds(intoThePool ? 60 + random.nextInt(7200) : 5 + random.nextInt(600));
    loop.at(loop.clock().now().plus(gap), () -> holdNext(held.action.instance()));
  }

  /** How a runbook goes: mostly minutes, sometimes longer than an invocation; some fail. */
  private SsmModel.Script script() {
    double length = random.nextDouble();
    int seconds = length < 0.7 ? 5 + random.nextInt(300) : length < 0.9 ? 300 + random.nextInt(900)
        : 1200 + random.nextInt(3600);
    double ending = random.nextDouble();
    return new SsmModel.Script(Duration.ofSeconds(seconds),
        ending < 0.12 ? "Failed" : ending < 0.15 ? "TimedOut" : "Success");
  }

  private Figures figures() {
    Map<History.Ender, Integer> endings = new EnumMap<>(History.Ender.class);
    history.endings.forEach(ending -> endings.merge(ending.by(), 1, Integer::sum));
    List<String> lost = new ArrayList<>();
    history.lostOnEveryPath.forEach(action -> lost.add(history.action(action).name()));
    return new Figures(seed, history.actions.size(), history.starts.size(),
        (int) history.starts.stream().filter(start -> start.activeAction().isEmpty()).count(),
        history.invocations, history.apiCalls, lambda.environmentsMade(), new TreeMap<>(history.faults), endings,
        Invariants.check(history, AGENT_WAIT, FAILURE_RESULT), lost);
  }
}
