package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.core.Automations;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleActions;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Orchestrator;
import com.lifecycleorchestrator.core.Outcome;
import com.lifecycleorchestrator.core.Reconciler;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.RunbookEnd;
import com.lifecycleorchestrator.settings.Settings;
import com.lifecycleorchestrator.testkit.FakeAutomations;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import com.lifecycleorchestrator.testkit.VirtualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The scale benchmark: N instances scaled in at once, handled by the real core on a virtual clock
 * against SSM's concurrency quota and queue, API rate limits, injected faults and Lambda's
 * concurrency and 15-minute cap; and, side by side, the direct EventBridge-to-SSM recipe under the
 * same SSM. It prints figures; it asserts nothing.
 */
public final class ScaleInSimulation {

  static final Instant SCALE_IN = Instant.parse("2026-11-25T13:00:00Z");
  static final Duration HEARTBEAT_TIMEOUT = Duration.ofHours(1);
  /**
   * Automation's executions at once: 100 by default; with adaptive concurrency turned on, "up to 500
   * [...] depending on available resources" ("Allowing Automation to adapt to your concurrency
   * needs", SSM User Guide). -DssmConcurrent=500 runs the scale-ins as if SSM gave all 500.
   */
  static final int SSM_CONCURRENT = Integer.getInteger("ssmConcurrent", 100);
  static final int SSM_QUEUED = 1000;
  static final int LAMBDA_CONCURRENCY = 1000;
  /** The SQS trigger's MaximumConcurrency: template.yaml's WaitingRoomConcurrency default, chosen by {@link #sweep}. */
  static final int WAITING_ROOM_CONCURRENCY = 100;
  /** The values the sweep tries, from the least the trigger allows. */
  static final int[] WAITING_ROOM_CONCURRENCIES = {2, 10, 50, 100, 250};
  static final double FAULT_SHARE = 0.01;
  /** The share of lifecycle events that never reach the function: lost in delivery, or their invocation died. */
  static final double LOST_EVENT_SHARE = 0.05;
  /** Assumed per-account API rates (calls per second, burst): AWS throttles, it does not publish them all. */
  static final double START_RATE = 5;
  static final double STATUS_RATE = 20;
  static final double FIND_RATE = 5;
  static final double AUTO_SCALING_RATE = 10;
  /**
   * How SSM's status-change events reach the function. EventBridge delivers at least once and
   * publishes no latency for AWS services' events: most are taken to arrive within a second of the
   * end, some late, some twice, a few never.
   */
  static final Duration STATUS_EVENT_LATENCY_LEAST = Duration.ofMillis(300);
  static final Duration STATUS_EVENT_LATENCY_MOST = Duration.ofSeconds(1);
  static final double STATUS_EVENT_LATE_SHARE = 0.005;
  static final Duration STATUS_EVENT_LATE_MOST = Duration.ofMinutes(2);
  static final double STATUS_EVENT_TWICE_SHARE = 0.005;
  static final double STATUS_EVENT_LOST_SHARE = 0.001;

  private ScaleInSimulation() {}

  public static void main(String[] args) {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 20261125L;
    System.out.printf(Locale.ROOT, "Scale-in simulation, seed %d%n", seed);
    System.out.printf(Locale.ROOT, "SSM: %d executions at once, %d queued; rates per second: Start %.0f, "
            + "GetAutomationExecution %.0f, DescribeAutomationExecutions %.0f; Auto Scaling calls %.0f each;%n",
        SSM_CONCURRENT, SSM_QUEUED, START_RATE, STATUS_RATE, FIND_RATE, AUTO_SCALING_RATE);
    System.out.printf(Locale.ROOT, "%.0f%% of all calls fail at random; Lambda: %d concurrent, 15-minute "
            + "invocations; hook: heartbeat timeout %d s, default result ABANDON.%n",
        FAULT_SHARE * 100, LAMBDA_CONCURRENCY, HEARTBEAT_TIMEOUT.toSeconds());
    System.out.printf(Locale.ROOT, "Waiting room: SQS trigger with MaximumConcurrency %d, visibility timeout %d s, "
            + "dead-letter queue after %d receives.%n",
        WAITING_ROOM_CONCURRENCY, SimulatedLambda.VISIBILITY_TIMEOUT.toSeconds(), SimulatedLambda.MAX_RECEIVE_COUNT);
    System.out.println("Runbooks: 60% 20 s-2 min, 25% 2-10 min, 10% 10-30 min, 5% 30 min-2 h; 6% fail.");
    System.out.printf(Locale.ROOT, "%.0f%% of lifecycle events never reach the function; the reconciler passes "
        + "at its default settings (the recipe has none).%n", LOST_EVENT_SHARE * 100);
    System.out.printf(Locale.ROOT, "Runbook status-change events: %.1f-%.1f s after the end; %.1f%% up to %d s late, "
            + "%.1f%% twice, %.1f%% never.%n", STATUS_EVENT_LATENCY_LEAST.toMillis() / 1000.0,
        STATUS_EVENT_LATENCY_MOST.toMillis() / 1000.0, STATUS_EVENT_LATE_SHARE * 100,
        STATUS_EVENT_LATE_MOST.toSeconds(), STATUS_EVENT_TWICE_SHARE * 100, STATUS_EVENT_LOST_SHARE * 100);
    System.out.println("A throttled call here is one the SDK's retries did not save: the core sees it fail.");
    // -Dsizes=10,1000 runs only those scale-ins, and leaves out the sweep.
    String sizes = System.getProperty("sizes", "");
    int[] scaleIns = sizes.isBlank() ? new int[] {10, 100, 1000, 5000}
        : java.util.Arrays.stream(sizes.split(",")).mapToInt(size -> Integer.parseInt(size.trim())).toArray();
    // -Dseeds=1,2,3 prints the orchestrator's figures against the targets for each of these seeds
    // instead: how much they owe to the draw of the runbooks.
    String seeds = System.getProperty("seeds", "");
    if (!seeds.isBlank()) {
      bySeed(java.util.Arrays.stream(seeds.split(",")).mapToLong(each -> Long.parseLong(each.trim())).toArray(),
          scaleIns);
      return;
    }
    for (int instances : scaleIns) {
      long began = System.nanoTime();
      Workload workload = new Workload(instances, SCALE_IN, seed);
      Figures parking = orchestrated(workload, seed, true, WAITING_ROOM_CONCURRENCY);
      Figures waitingInInvocations = orchestrated(workload, seed, false, WAITING_ROOM_CONCURRENCY);
      Figures recipe = recipe(workload, seed);
      print(instances, parking, waitingInInvocations, recipe, (System.nanoTime() - began) / 1e9);
    }
    if (sizes.isBlank()) {
      sweep(5000, seed);
    }
  }

  /** The orchestrator's figures for each seed and scale-in, one line each. */
  static void bySeed(long[] seeds, int[] scaleIns) {
    System.out.printf(Locale.ROOT, "%n  %-10s %6s %13s %8s %10s %12s %14s %12s%n", "seed", "N", "right result",
        "p99, s", "calls", "reconciler's", "invocation-s", "held, min");
    for (long seed : seeds) {
      for (int instances : scaleIns) {
        Figures figures = orchestrated(new Workload(instances, SCALE_IN, seed), seed, true, WAITING_ROOM_CONCURRENCY);
        System.out.printf(Locale.ROOT, "  %-10d %6d %13s %8s %10s %12s %14s %12s%n", seed, instances,
            figures.rightResult() + "/" + instances, fmt(figures.percentile(0.99)), fmt(figures.callsPerAction()),
            fmt(figures.reconcilerCallsPerAction()), fmt(figures.invocationSecondsPerAction()),
            fmt(figures.meanHoldMinutes()));
      }
    }
  }

  /** The waiting room's MaximumConcurrency against what it costs the hooks, at one scale-in. */
  static void sweep(int instances, long seed) {
    System.out.printf(Locale.ROOT, "%nThe waiting room's MaximumConcurrency at N = %d%n", instances);
    System.out.printf(Locale.ROOT, "  %-8s %14s %14s %12s %12s %14s%n", "maximum", "right result",
        "left to default", "p99 delay, s", "most at once", "dead-lettered");
    Workload workload = new Workload(instances, SCALE_IN, seed);
    for (int cap : WAITING_ROOM_CONCURRENCIES) {
      Figures figures = orchestrated(workload, seed, true, cap);
      System.out.printf(Locale.ROOT, "  %-8d %14s %14d %12s %12d %14d%n", cap,
          figures.rightResult() + "/" + instances, figures.leftToDefault(), fmt(figures.percentile(0.99)),
          figures.mostFromWaitingRoom(), figures.deadLettered());
    }
  }

  /** What one approach achieved for one scale-in. */
  record Figures(
      int instances,
      int rightResult,
      int leftToDefault,
      double callsPerAction,
      double throttledPerAction,
      double reconcilerCallsPerAction,
      double meanHoldMinutes,
      List<Double> releaseDelays,
      double invocationSecondsPerAction,
      int handOvers,
      int startRetries,
      int parked,
      int lostEvents,
      int recovered,
      int failureDestination,
      int cutShort,
      int redelivered,
      int deadLettered,
      int mostFromWaitingRoom,
      String callsByOperation) {

    double percentile(double p) {
      if (releaseDelays.isEmpty()) {
        return Double.NaN;
      }
      List<Double> sorted = new ArrayList<>(releaseDelays);
      Collections.sort(sorted);
      return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p * sorted.size()) - 1));
    }

    double instanceHoursAfterRunbooks() {
      return releaseDelays.stream().mapToDouble(Double::doubleValue).sum() / 3600;
    }
  }

  private static Figures orchestrated(Workload workload, long seed, boolean withWaitingRoom, int waitingRoomConcurrency) {
    VirtualClock clock = new VirtualClock(SCALE_IN);
    EventLoop loop = new EventLoop(clock);
    Random random = new Random(seed);
    FakeAutomations automations = ssm(clock, workload, random);
    FakeLifecycleActions lifecycleActions = new FakeLifecycleActions(clock)
        .rateLimit(FakeLifecycleActions.Operation.HEARTBEAT, AUTO_SCALING_RATE, AUTO_SCALING_RATE * 2)
        .rateLimit(FakeLifecycleActions.Operation.COMPLETE, AUTO_SCALING_RATE, AUTO_SCALING_RATE * 2)
        .randomFaults(FAULT_SHARE, new Random(seed + 1));
    Settings settings = Settings.from(Map.of(
        Settings.REGION, "us-east-1",
        Settings.DOCUMENT, "GracefulExit-ArchiveLogs",
        Settings.HEARTBEAT_TIMEOUT, String.valueOf(HEARTBEAT_TIMEOUT.toSeconds()),
        Settings.GROUP_NAMES, "web-asg",
        Settings.HOOK_NAME, "graceful-exit",
        Settings.STATUS_EVENTS, "true"));
    Orchestrator.Config config = settings.orchestration(random::nextDouble);
    SimulatedLambda lambda = new SimulatedLambda(loop, automations, lifecycleActions, config,
        LAMBDA_CONCURRENCY, FAULT_SHARE, withWaitingRoom, waitingRoomConcurrency, new Random(seed + 2));
    Random eventBridge = new Random(seed + 5);
    automations.announcingEnds(end -> announce(end, automations, lambda, loop, eventBridge));
    Random losses = new Random(seed + 4);
    int lostEvents = 0;
    for (Workload.Instance instance : workload.instances()) {
      lifecycleActions.hold(instance.action(), HEARTBEAT_TIMEOUT, LifecycleResult.ABANDON);
      if (losses.nextDouble() < LOST_EVENT_SHARE) {
        lostEvents++;
      } else {
        lambda.deliver(instance.action(), SCALE_IN);
      }
    }
    Reconciler.Config reconciling = settings.reconciler().orElseThrow();
    CallCount reconcilerCalls = new CallCount();
    Reconciler reconciler = new Reconciler(reconcilerCalls.of(Automations.class, automations),
        reconcilerCalls.of(LifecycleActions.class, lifecycleActions), clock, config, reconciling);
    lambda.reconcileEvery(reconciling.interval(), reconciler, lifecycleActions::anyHeld);
    loop.runAll();
    clock.sleepUntil(SCALE_IN.plus(Duration.ofHours(49)));

    Map<LifecycleAction.InstanceId, Outcome.Completed> completed = new HashMap<>();
    for (Outcome outcome : lambda.outcomes()) {
      if (outcome instanceof Outcome.Completed done) {
        completed.put(done.progress().action().instance(), done);
      }
    }
    int right = 0;
    int leftToDefault = 0;
    List<Double> delays = new ArrayList<>();
    double heldMinutes = 0;
    for (Workload.Instance instance : workload.instances()) {
      FakeLifecycleActions.Ending ending = lifecycleActions.ending(instance.action()).orElseThrow();
      heldMinutes += Duration.between(instance.action().heldSince(), ending.at()).toSeconds() / 60.0;
      if (ending.byTimeout()) {
        leftToDefault++;
        continue;
      }
      Outcome.Completed done = completed.get(instance.action().instance());
      if (done != null && done.result() == instance.rightResult() && ending.result() == instance.rightResult()) {
        right++;
      }
      if (done != null) {
        done.progress().timings().releaseDelay().ifPresent(d -> delays.add(d.toMillis() / 1000.0));
      }
    }
    int calls = automations.totalCalls() + lambda.invokeCalls();
    for (FakeLifecycleActions.Operation operation : FakeLifecycleActions.Operation.values()) {
      calls += lifecycleActions.calls(operation);
    }
    int throttled = throttledCalls(automations) + lifecycleActions.throttled(FakeLifecycleActions.Operation.HEARTBEAT)
        + lifecycleActions.throttled(FakeLifecycleActions.Operation.COMPLETE);
    int n = workload.instances().size();
    return new Figures(n, right, leftToDefault, (double) calls / n, (double) throttled / n,
        (double) reconcilerCalls.calls() / n, heldMinutes / n, delays,
        lambda.invocationSeconds() / n, lambda.handOvers(), lambda.startRetries(), lambda.parked(),
        lostEvents, lambda.recovered(), lambda.failedToDestination() + lambda.timedOut(), 0,
        lambda.redelivered(), lambda.deadLettered(), lambda.mostFromWaitingRoomAtOnce(),
        callsByOperation(automations, lifecycleActions, lambda.invokeCalls(), n));
  }

  /** EventBridge delivers the execution's status-change event: soon, late, twice, or never. */
  private static void announce(FakeAutomations.End end, FakeAutomations automations, SimulatedLambda lambda,
      EventLoop loop, Random draw) {
    RunbookEnd ended = new RunbookEnd(end.execution(), end.documentName(), end.status(), end.at());
    double fate = draw.nextDouble();
    if (fate < STATUS_EVENT_LOST_SHARE) {
      return;
    }
    Duration latency = between(draw, STATUS_EVENT_LATENCY_LEAST, STATUS_EVENT_LATENCY_MOST);
    if (fate < STATUS_EVENT_LOST_SHARE + STATUS_EVENT_LATE_SHARE) {
      latency = between(draw, STATUS_EVENT_LATENCY_MOST, STATUS_EVENT_LATE_MOST);
    }
    // SSM settles its queue at each end, which starts (and announces) the next queued execution.
    loop.at(end.at(), () -> automations.endedAt(end.execution().value()));
    Instant arrives = end.at().plus(latency);
    loop.at(arrives, () -> lambda.deliver(ended, arrives));
    if (draw.nextDouble() < STATUS_EVENT_TWICE_SHARE) {
      Instant again = arrives.plus(between(draw, STATUS_EVENT_LATENCY_LEAST, STATUS_EVENT_LATE_MOST));
      loop.at(again, () -> lambda.deliver(ended, again));
    }
  }

  private static Duration between(Random draw, Duration least, Duration most) {
    return least.plusMillis((long) (draw.nextDouble() * most.minus(least).toMillis()));
  }

  private static Figures recipe(Workload workload, long seed) {
    VirtualClock clock = new VirtualClock(SCALE_IN);
    EventLoop loop = new EventLoop(clock);
    Random random = new Random(seed);
    FakeAutomations automations = ssm(clock, workload, random);
    Runbook runbook = new Runbook("GracefulExit-ArchiveLogs", Map.of());
    DirectRecipe recipe = new DirectRecipe(loop, automations, runbook, new Random(seed + 3));
    Map<LifecycleAction, String> executions = new HashMap<>();
    for (Workload.Instance instance : workload.instances()) {
      recipe.deliver(instance.action(), SCALE_IN.plusMillis(300), executions);
    }
    loop.runAll();
    clock.sleepUntil(SCALE_IN.plus(Duration.ofDays(3)));
    Instant released = SCALE_IN.plus(HEARTBEAT_TIMEOUT);
    List<Double> delays = new ArrayList<>();
    int cutShort = 0;
    for (Workload.Instance instance : workload.instances()) {
      Optional<Instant> ended = Optional.ofNullable(executions.get(instance.action()))
          .flatMap(automations::endedAt);
      if (ended.isPresent() && !ended.get().isAfter(released)) {
        delays.add(Duration.between(ended.get(), released).toMillis() / 1000.0);
      } else {
        cutShort++;
      }
    }
    int n = workload.instances().size();
    // Nobody completes an action or sends a heartbeat: every hold lasts its hook's heartbeat timeout.
    return new Figures(n, 0, n, (double) automations.totalCalls() / n, (double) throttledCalls(automations) / n,
        0, HEARTBEAT_TIMEOUT.toMinutes(), delays, 0, 0, 0, 0, 0, 0, 0, cutShort, 0, 0, 0, "");
  }

  private static FakeAutomations ssm(VirtualClock clock, Workload workload, Random random) {
    return new FakeAutomations(clock)
        .capacity(SSM_CONCURRENT, SSM_QUEUED)
        .rateLimit(FakeAutomations.Operation.START, START_RATE, START_RATE * 2)
        .rateLimit(FakeAutomations.Operation.STATUS, STATUS_RATE, STATUS_RATE * 2)
        .rateLimit(FakeAutomations.Operation.FIND, FIND_RATE, FIND_RATE * 2)
        .randomFaults(FAULT_SHARE, new Random(random.nextLong()))
        .scripted(workload::scriptFor);
  }

  /** The calls per action of each operation that makes any, the most first. */
  private static String callsByOperation(FakeAutomations automations, FakeLifecycleActions lifecycleActions,
      int invokeCalls, int n) {
    Map<String, Integer> calls = new HashMap<>();
    for (FakeAutomations.Operation operation : FakeAutomations.Operation.values()) {
      calls.put("SSM " + operation, automations.calls(operation));
    }
    for (FakeLifecycleActions.Operation operation : FakeLifecycleActions.Operation.values()) {
      calls.put("Auto Scaling " + operation, lifecycleActions.calls(operation));
    }
    calls.put("Lambda/SQS hand-over or parking", invokeCalls);
    return calls.entrySet().stream()
        .filter(entry -> entry.getValue() > 0)
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .map(entry -> String.format(Locale.ROOT, "%s %.1f", entry.getKey(), (double) entry.getValue() / n))
        .collect(java.util.stream.Collectors.joining(", "));
  }

  private static int throttledCalls(FakeAutomations automations) {
    int throttled = 0;
    for (FakeAutomations.Operation operation : FakeAutomations.Operation.values()) {
      throttled += automations.throttled(operation);
    }
    return throttled;
  }

  private static void print(int instances, Figures parking, Figures inInvocations, Figures recipe, double seconds) {
    System.out.printf(Locale.ROOT, "%nN = %d (simulated in %.1f s)%n", instances, seconds);
    row("", "orchestrator", "no waiting room", "direct recipe");
    row("actions completed with the right result", parking.rightResult() + "/" + instances,
        inInvocations.rightResult() + "/" + instances, recipe.rightResult() + "/" + instances);
    row("actions left to the hook's default result", parking.leftToDefault(), inInvocations.leftToDefault(),
        recipe.leftToDefault());
    row("API calls per action", fmt(parking.callsPerAction()), fmt(inInvocations.callsPerAction()),
        fmt(recipe.callsPerAction()));
    row("  of which throttled", fmt(parking.throttledPerAction()), fmt(inInvocations.throttledPerAction()),
        fmt(recipe.throttledPerAction()));
    row("  of which the reconciler's", fmt(parking.reconcilerCallsPerAction()),
        fmt(inInvocations.reconcilerCallsPerAction()), "-");
    System.out.printf(Locale.ROOT, "  %-46s %s%n", "  orchestrator's, by operation", parking.callsByOperation());
    row("release delay p50 (runbook end -> release), s", fmt(parking.percentile(0.50)),
        fmt(inInvocations.percentile(0.50)), fmt(recipe.percentile(0.50)));
    row("release delay p99, s", fmt(parking.percentile(0.99)), fmt(inInvocations.percentile(0.99)),
        fmt(recipe.percentile(0.99)));
    row("time held, mean (event -> release), min", fmt(parking.meanHoldMinutes()),
        fmt(inInvocations.meanHoldMinutes()), fmt(recipe.meanHoldMinutes()));
    row("instance-hours held after runbooks ended", fmt(parking.instanceHoursAfterRunbooks()),
        fmt(inInvocations.instanceHoursAfterRunbooks()), fmt(recipe.instanceHoursAfterRunbooks()));
    row("runbooks cut short by the hook's timeout", 0, 0, recipe.cutShort());
    row("Lambda invocation-seconds per action", fmt(parking.invocationSecondsPerAction()),
        fmt(inInvocations.invocationSecondsPerAction()), "0");
    row("hand-overs", parking.handOvers(), inInvocations.handOvers(), "-");
    row("parkings in the waiting room", parking.parked(), "-", "-");
    row("starts retried (SSM queue full, throttled)", parking.startRetries(), inInvocations.startRetries(), "-");
    row("events lost / actions recovered by the reconciler", parking.lostEvents() + " / " + parking.recovered(),
        inInvocations.lostEvents() + " / " + inInvocations.recovered(), "-");
    row("deliveries in the failure destination", parking.failureDestination(),
        inInvocations.failureDestination(), "-");
    row("waiting room: most invocations at once", parking.mostFromWaitingRoom(), "-", "-");
    row("waiting room: redelivered / dead-lettered", parking.redelivered() + " / " + parking.deadLettered(),
        "-", "-");
  }

  private static void row(String label, Object parking, Object inInvocations, Object recipe) {
    System.out.printf(Locale.ROOT, "  %-46s %14s %16s %14s%n", label, parking, inInvocations, recipe);
  }

  private static String fmt(double value) {
    return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
  }
}
