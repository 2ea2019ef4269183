package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.core.Budget;
import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.Continuations;
import com.lifecycleorchestrator.core.Enrolment;
import com.lifecycleorchestrator.core.Hooks;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LookAhead;
import com.lifecycleorchestrator.core.Milestone;
import com.lifecycleorchestrator.core.Orchestration;
import com.lifecycleorchestrator.core.Orchestrator;
import com.lifecycleorchestrator.core.RunbookEnd;
import com.lifecycleorchestrator.core.RunbookEndRelease;
import com.lifecycleorchestrator.core.Reconciler;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.ServiceFailure;
import com.lifecycleorchestrator.core.Steps;
import com.lifecycleorchestrator.core.WaitingRoom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * The function as Lambda runs it, for the fault simulation: asynchronous invocations (events,
 * hand-overs, waiting-room messages, reconciler passes) in as many execution environments at once
 * as there are invocations (a free one is reused, as Lambda does), each with its own hooks cache
 * and its own reconciler, as each environment has its own static state; an invocation of at most 15 minutes running the real core step by step on the shared
 * virtual clock; an environment that dies at any call, after which Lambda retries the invocation
 * after one minute, then two, and may drop a retry ("How Lambda handles errors and retries with
 * asynchronous invocation"); hand-overs (Invoke) and waiting-room messages refused, lost,
 * delivered twice or late. It keeps, per lifecycle action, the paths still alive (deliveries on
 * their way, invocations running) and those lost, for invariant I4's exception.
 */
final class LambdaModel {

  static final Duration TIMEOUT = Duration.ofMinutes(15);
  private static final List<Duration> RETRY_DELAYS = List.of(Duration.ofMinutes(1), Duration.ofMinutes(2));
  /** An invocation that is not an action's own: a reconciler pass. */
  private static final int NO_ACTION = -1;
  /** A status-change event of an execution started when no action of ours held its seat. */
  static final int NO_ACTION_OF_OURS = -2;

  /** One asynchronous invocation's payload: an event, a continuation, or a reconciler pass. */
  private record Delivery(String kind, int action, Optional<LifecycleAction> event,
      Optional<Continuation> continuation, Optional<RunbookEnd> ended, int attempt) {
    Delivery retried() {
      return new Delivery(kind + " retry", action, event, continuation, ended, attempt + 1);
    }
  }

  /** One execution environment: its own hooks cache and reconciler, busy with one invocation at a time. */
  private final class Environment {
    final int id;
    final EnvironmentPorts ports;
    final Hooks hooks;
    final Reconciler reconciler;
    boolean busy;

    Environment(int id) {
      this.id = id;
      this.ports = new EnvironmentPorts(loop, history, autoScaling, ssm, faults, random);
      this.hooks = new Hooks(ports, config.rules().heartbeatTimeout(), loop.clock());
      this.reconciler = new Reconciler(ports, ports, loop.clock(), config, reconcilerConfig);
    }
  }

  private final EventLoop loop;
  private final History history;
  private final AutoScalingModel autoScaling;
  private final SsmModel ssm;
  private final Faults faults;
  private final Random random;
  private final Orchestrator.Config config;
  private final Reconciler.Config reconcilerConfig;
  private final List<Environment> environments = new ArrayList<>();
  private final Map<Integer, List<Instant>> onTheirWay = new LinkedHashMap<>();
  private final Map<Integer, Integer> running = new LinkedHashMap<>();
  private final Map<Integer, Integer> lost = new LinkedHashMap<>();
  /** When each reconciler pass that no fault struck began. */
  private final List<Instant> cleanPasses = new ArrayList<>();
  private int environmentsMade;

  LambdaModel(EventLoop loop, History history, AutoScalingModel autoScaling, SsmModel ssm, Faults faults,
      Random random, Orchestrator.Config config, Reconciler.Config reconcilerConfig) {
    this.loop = loop;
    this.history = history;
    this.autoScaling = autoScaling;
    this.ssm = ssm;
    this.faults = faults;
    this.random = random;
    this.config = config;
    this.reconcilerConfig = reconcilerConfig;
  }

  /** EventBridge invokes the function with the action's event at {@code at}. */
  void event(int action, LifecycleAction event, Instant at, String kind) {
    submit(new Delivery(kind, action, Optional.of(event), Optional.empty(), Optional.empty(), 0), at);
  }

  /** EventBridge invokes the function with a runbook's status-change event at {@code at}. */
  void statusEvent(int action, RunbookEnd ended, Instant at, String kind) {
    submit(new Delivery(kind, action, Optional.empty(), Optional.empty(), Optional.of(ended), 0), at);
  }

  /** EventBridge never delivers the action's event: its retries ran out. */
  void eventLost(int action) {
    pathLost(action, "event lost", history.action(action).name());
  }

  /** The schedule invokes a reconciler pass at {@code at}. */
  void pass(Instant at, String kind) {
    submit(new Delivery(kind, NO_ACTION, Optional.empty(), Optional.empty(), Optional.empty(), 0), at);
  }

  /** Runs a reconciler pass every interval from {@code first} while {@code goOn} says so. */
  void passEvery(Duration interval, Instant first, BooleanSupplier goOn) {
    loop.at(first, () -> {
      pass(loop.clock().now(), "scheduled pass");
      if (goOn.getAsBoolean()) {
        passEvery(interval, loop.clock().now().plus(interval), goOn);
      }
    });
  }

  /**
   * Whether every path to the action is lost at its timeout: some were lost, none is alive (no
   * invocation runs it and no delivery for it is due by now), and the reconciler was lost too: a
   * fault struck every pass since {@code since} (a pass that examines a waiting action heartbeats
   * it, so a clean pass within the last heartbeat timeout would have kept the action alive).
   */
  boolean everyPathLost(int action, Instant since) {
    Instant now = loop.clock().now();
    boolean onItsWay = onTheirWay.getOrDefault(action, List.of()).stream().anyMatch(due -> !due.isAfter(now));
    boolean reconcilerLost = cleanPasses.stream().noneMatch(began -> !began.isBefore(since));
    return lost.getOrDefault(action, 0) > 0 && running.getOrDefault(action, 0) == 0 && !onItsWay && reconcilerLost;
  }

  int environmentsMade() {
    return environmentsMade;
  }

  private void submit(Delivery delivery, Instant at) {
    onTheirWay.computeIfAbsent(delivery.action(), key -> new ArrayList<>()).add(at);
    loop.at(at, () -> {
      onTheirWay.get(delivery.action()).remove(at);
      invoke(delivery);
    });
  }

  private void pathLost(int action, String kind, String detail) {
    history.fault(loop.clock().now(), kind, detail);
    if (action == NO_ACTION) {
      autoScaling.active().forEach(held -> lost.merge(held.action.id(), 1, Integer::sum));
    } else {
      lost.merge(action, 1, Integer::sum);
    }
  }

  private void invoke(Delivery delivery) {
    Environment env = environments.stream().filter(free -> !free.busy).findFirst().orElseGet(() -> {
      Environment made = new Environment(environmentsMade++);
      environments.add(made);
      return made;
    });
    env.busy = true;
    running.merge(delivery.action(), 1, Integer::sum);
    history.invocations++;
    Instant began = loop.clock().now();
    history.note(began, "INVOKE env" + env.id + " " + delivery.kind() + describe(delivery));
    boolean pass = delivery.action() == NO_ACTION;
    env.ports.begin(pass ? EnvironmentPorts.Path.RECONCILER : EnvironmentPorts.Path.EVENT, plannedCrash());
    Continuations continuations = continuation ->
        handOver(env, continuation, pass ? actionOf(continuation) : delivery.action());
    try {
      Steps steps;
      BooleanSupplier failed;
      if (pass) {
        steps = env.reconciler.begin(continuations, began);
        failed = () -> {
          if (!env.ports.struck()) {
            cleanPasses.add(began);
          }
          return false;
        };
      } else if (delivery.ended().isPresent()) {
        env.ports.releasing(delivery.ended().get().execution());
        RunbookEndRelease release = new Orchestrator(env.ports, env.ports, Optional.of(waitingRoom(delivery.action())),
            loop.clock(), config, env.ports::reached, LookAhead.NONE)
            .releasing(delivery.ended().get(), Budget.of(began, TIMEOUT, config.rules().timings()), continuations);
        steps = release;
        failed = () -> release.outcome().orElseThrow().needsAttention();
      } else {
        Orchestration orchestration = orchestration(env, delivery, continuations, began);
        steps = orchestration;
        failed = () -> orchestration.outcome().orElseThrow().needsAttention();
      }
      step(env, delivery, steps, failed, began);
    } catch (EnvironmentPorts.EnvironmentDied died) {
      ended(env, delivery, true);
    } catch (ServiceFailure groupUnread) {
      // The invocation cannot tell which runbook the group asks for: it fails, and Lambda retries it.
      ended(env, delivery, true);
    }
  }

  /**
   * The orchestration of the delivery, with the runbook the core chooses for it: the one its
   * hand-over carries, or the one its group's tag names.
   *
   * @throws ServiceFailure the group could not be read
   */
  private Orchestration orchestration(Environment env, Delivery delivery, Continuations continuations, Instant now) {
    LifecycleAction action = delivery.event().or(() -> delivery.continuation().map(Continuation::action)).orElseThrow();
    Enrolment.Choice.Served served = (Enrolment.Choice.Served) config.runbookOf(action,
        delivery.continuation().flatMap(Continuation::runbook), env.ports);
    Orchestration.Ports ports = new Orchestration.Ports(env.ports, env.ports, env.hooks, continuations,
        Optional.of(waitingRoom(delivery.action())), env.ports::reached);
    Budget budget = Budget.of(now, TIMEOUT, config.rules().timings());
    return delivery.continuation().isPresent()
        ? Orchestration.resume(delivery.continuation().get(), served.runbook(), ports, config.rules(), budget, now)
        : Orchestration.begin(action, served.runbook(), ports, config.rules(), budget, now, served.groupAsRead());
  }

  private void step(Environment env, Delivery delivery, Steps steps, BooleanSupplier failed, Instant began) {
    loop.at(steps.nextStepAt(), () -> {
      Instant now = loop.clock().now();
      if (now.isAfter(began.plus(TIMEOUT))) {
        history.fault(now, "invocation timed out", delivery.kind());
        environments.remove(env);
        ended(env, delivery, true);
        return;
      }
      try {
        steps.advance(now);
      } catch (EnvironmentPorts.EnvironmentDied died) {
        ended(env, delivery, true);
        return;
      }
      if (steps.finished()) {
        ended(env, delivery, failed.getAsBoolean());
      } else {
        step(env, delivery, steps, failed, began);
      }
    });
  }

  /**
   * The invocation ended: a failed or dead one is retried by Lambda after one minute, then two,
   * unless the retry is dropped; after the second retry the event goes to the failure destination.
   * A dead environment is gone, with its caches.
   */
  private void ended(Environment env, Delivery delivery, boolean failed) {
    Instant now = loop.clock().now();
    running.merge(delivery.action(), -1, Integer::sum);
    env.busy = false;
    if (env.ports.died()) {
      environments.remove(env);
    }
    if (failed) {
      if (delivery.attempt() >= RETRY_DELAYS.size()) {
        pathLost(delivery.action(), "sent to the failure destination", delivery.kind() + describe(delivery));
      } else if (random.nextDouble() < faults.retryDropped()) {
        pathLost(delivery.action(), "Lambda drops the retry", delivery.kind() + describe(delivery));
      } else {
        submit(delivery.retried(), now.plus(RETRY_DELAYS.get(delivery.attempt())));
      }
    }
  }

  private Optional<EnvironmentPorts.Crash> plannedCrash() {
    if (random.nextDouble() >= faults.invocationDies()) {
      return Optional.empty();
    }
    EnvironmentPorts.Death where = EnvironmentPorts.Death.values()[random.nextInt(EnvironmentPorts.Death.values().length)];
    return Optional.of(new EnvironmentPorts.Crash(where, 1 + random.nextInt(12)));
  }

  /** Lambda's Invoke of the function's own alias, asynchronously: refused, lost, twice, or once. */
  private void handOver(Environment env, Continuation continuation, int action) {
    Instant now = loop.clock().now();
    String what = " of " + name(action) + continuation.execution().map(e -> " following " + e).orElse("");
    if (random.nextDouble() < faults.handOverRefused()) {
      env.ports.fault("hand-over refused", what);
      throw new ServiceFailure.Transient("ServiceException", "Invoke failed", null);
    }
    if (random.nextDouble() < faults.handOverLost()) {
      env.ports.fault("hand-over lost", what);
      lost.merge(action, 1, Integer::sum);
      return;
    }
    sendOn(new Delivery("hand-over", action, Optional.empty(), Optional.of(continuation), Optional.empty(), 0), now.plus(latency()),
        faults.handOverTwice(), "hand-over", what);
  }

  /** The waiting room: SQS delivers the continuation after its delay, at least once, or (lost) never. */
  private WaitingRoom waitingRoom(int action) {
    return new WaitingRoom() {
      @Override
      public Duration longestDelay() {
        return Duration.ofMinutes(15);
      }

      @Override
      public void park(Continuation continuation, Duration delay) {
        if (random.nextDouble() < faults.parkingLost()) {
          pathLost(action, "waiting-room message lost", " of " + name(action));
          return;
        }
        Instant back = loop.clock().now().plus(delay).plus(latency());
        sendOn(new Delivery("waiting-room message", action, Optional.empty(), Optional.of(continuation), Optional.empty(), 0), back,
            faults.parkingTwice(), "waiting-room message", " of " + name(action));
      }

      @Override
      public void redeliverAfter(String receipt, Duration delay) {
        throw new UnsupportedOperationException("only the handler reschedules a received message");
      }
    };
  }

  /** Sends the delivery on, and sometimes a second time a little later (at-least-once delivery). */
  private void sendOn(Delivery delivery, Instant at, double twiceShare, String kind, String what) {
    submit(delivery, at);
    if (random.nextDouble() < twiceShare) {
      Instant again = at.plus(Duration.ofMillis(random.nextInt(180_000)));
      history.fault(loop.clock().now(), kind + " delivered twice", what + ", again at +"
          + Duration.between(loop.clock().now(), again).toMillis() + " ms");
      submit(delivery, again);
    }
  }

  /** The action a reconciler hands over, which it names by instance: the one holding the instance now. */
  private int actionOf(Continuation continuation) {
    return autoScaling.reached(continuation.action()).map(held -> held.action.id()).orElse(NO_ACTION);
  }

  private Duration latency() {
    return Duration.ofMillis(50 + random.nextInt(2000));
  }

  private String name(int action) {
    return action == NO_ACTION ? "no action" : action == NO_ACTION_OF_OURS ? "no action of ours"
        : history.action(action).name();
  }

  private String describe(Delivery delivery) {
    return delivery.action() == NO_ACTION ? "" : " of " + name(delivery.action())
        + delivery.continuation().flatMap(Continuation::execution).map(e -> " following " + e).orElse("")
        + delivery.ended().map(end -> " ended " + end.execution() + " " + end.status()).orElse("");
  }
}
