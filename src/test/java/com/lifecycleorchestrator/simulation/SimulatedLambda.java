package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.handler.LifecycleHandler;
import com.lifecycleorchestrator.core.Budget;
import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.Hooks;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LookAhead;
import com.lifecycleorchestrator.core.Milestone;
import com.lifecycleorchestrator.core.Orchestration;
import com.lifecycleorchestrator.core.Orchestrator;
import com.lifecycleorchestrator.core.RunbookEnd;
import com.lifecycleorchestrator.core.RunbookEndRelease;
import com.lifecycleorchestrator.core.Steps;
import com.lifecycleorchestrator.core.Reconciler;
import com.lifecycleorchestrator.core.Outcome;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.Continuations;
import com.lifecycleorchestrator.core.ServiceFailure;
import com.lifecycleorchestrator.core.WaitingRoom;
import com.lifecycleorchestrator.testkit.Failures;
import com.lifecycleorchestrator.testkit.FakeAutomations;
import com.lifecycleorchestrator.testkit.FakeLifecycleActions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The function as Lambda runs it, on the event loop: asynchronous deliveries of the lifecycle
 * events and of continuations, an account concurrency limit with the excess waiting in Lambda's
 * queue, invocations of at most 15 minutes running the real core, Lambda's two retries of a failed
 * invocation and the failure destination after them; and, if it has one, the waiting room's queue,
 * which brings a parked action back as an invocation when its delay is over: an SQS queue with
 * visibility timeouts and a dead-letter queue after three receives, read by an event source mapping
 * that runs at most its MaximumConcurrency invocations at once and leaves the other messages in the
 * queue ("Configuring scaling behavior for SQS event source mappings"). A failed message comes
 * back as the handler arranges it (a minute per receive), one whose invocation died when the
 * queue's visibility timeout runs out.
 */
final class SimulatedLambda {

  static final Duration TIMEOUT = Duration.ofMinutes(15);
  private static final Duration DELIVERY_LATENCY = Duration.ofMillis(300);
  private static final Duration THROTTLED_REDELIVERY = Duration.ofSeconds(1);
  /** "How Lambda handles errors and retries with asynchronous invocation": after one minute, then two. */
  private static final List<Duration> RETRY_DELAYS = List.of(Duration.ofMinutes(1), Duration.ofMinutes(2));
  /** The waiting room queue's visibility timeout and its redrive policy's maxReceiveCount (template.yaml). */
  static final Duration VISIBILITY_TIMEOUT = Duration.ofSeconds(5400);
  static final int MAX_RECEIVE_COUNT = 5;

  /**
   * One asynchronous event for the function: a lifecycle action, a continuation of one, or a
   * runbook's status-change event.
   */
  private record Delivery(LifecycleAction action, Continuation continuation, RunbookEnd ended, int attempt) {
    Delivery retried() {
      return new Delivery(action, continuation, ended, attempt + 1);
    }
  }

  /** A message of the waiting room's queue. */
  private static final class Message {
    final Continuation continuation;
    final long sent;
    Instant visibleAt;
    int receives;

    Message(Continuation continuation, long sent, Instant visibleAt) {
      this.continuation = continuation;
      this.sent = sent;
      this.visibleAt = visibleAt;
    }
  }

  private final EventLoop loop;
  private final FakeAutomations automations;
  private final FakeLifecycleActions lifecycleActions;
  private final Runbook runbook;
  private final Orchestration.Rules rules;
  /** What a status-change event's invocation runs, in any execution environment. */
  private final Orchestrator releases;
  /** Read once for every invocation, as an execution environment's would be. */
  private final Hooks hooks;
  private final int concurrency;
  private final double invokeFaultShare;
  private final boolean withWaitingRoom;
  private final int waitingRoomConcurrency;
  private final Random random;
  /** The queue, the next message to become visible first. */
  private final NavigableSet<Message> queue = new TreeSet<>(
      Comparator.comparing((Message message) -> message.visibleAt).thenComparingLong(message -> message.sent));
  private long sentMessages;
  private int fromQueueRunning;
  private int mostFromQueueRunning;
  private int deadLettered;
  private int redelivered;
  private final Deque<Delivery> waitingForConcurrency = new ArrayDeque<>();
  private final List<Outcome> outcomes = new ArrayList<>();
  private int running;
  private long invocationMillis;
  private int invocations;
  private int handOvers;
  private int invokeCalls;
  private int startRetries;
  private int failedToDestination;
  private int timedOut;
  private int parked;
  private int recovered;
  private int passes;

  SimulatedLambda(EventLoop loop, FakeAutomations automations, FakeLifecycleActions lifecycleActions,
      Orchestrator.Config config, int concurrency, double invokeFaultShare,
      boolean withWaitingRoom, int waitingRoomConcurrency, Random random) {
    this.loop = loop;
    this.automations = automations;
    this.lifecycleActions = lifecycleActions;
    this.rules = config.rules();
    this.hooks = new Hooks(lifecycleActions, rules.heartbeatTimeout(), loop.clock());
    this.runbook = config.runbookFor(LifecycleAction.Transition.TERMINATING).orElseThrow();
    this.releases = new Orchestrator(automations, lifecycleActions,
        withWaitingRoom ? Optional.of(waitingRoom()) : Optional.empty(), loop.clock(), config, this::count, LookAhead.NONE);
    this.concurrency = concurrency;
    this.invokeFaultShare = invokeFaultShare;
    this.withWaitingRoom = withWaitingRoom;
    this.waitingRoomConcurrency = waitingRoomConcurrency;
    this.random = random;
  }

  /** EventBridge delivers the lifecycle action's event. */
  void deliver(LifecycleAction action, Instant at) {
    deliver(new Delivery(action, null, null, 0), at.plus(DELIVERY_LATENCY));
  }

  /** EventBridge delivers a runbook's status-change event at {@code at}. */
  void deliver(RunbookEnd ended, Instant at) {
    deliver(new Delivery(null, null, ended, 0), at);
  }

  /**
   * Runs a reconciler pass every {@code interval} while {@code stillWaiting} says instances wait,
   * its recoveries handed over like any continuation.
   */
  void reconcileEvery(Duration interval, Reconciler reconciler, BooleanSupplier stillWaiting) {
    loop.at(loop.clock().now().plus(interval), () -> {
      passes++;
      Reconciler.Pass pass = reconciler.begin(continuationsFrom(), loop.clock().now());
      loop.drive(pass, Instant.MAX, () -> recovered += pass.report().orElseThrow().recovered(), () -> { });
      if (stillWaiting.getAsBoolean()) {
        reconcileEvery(interval, reconciler, stillWaiting);
      }
    });
  }

  int recovered() {
    return recovered;
  }

  int passes() {
    return passes;
  }

  private void deliver(Delivery delivery, Instant at) {
    loop.at(at, () -> invokeOrQueue(delivery));
  }

  private void invokeOrQueue(Delivery delivery) {
    if (running >= concurrency) {
      waitingForConcurrency.add(delivery);
      return;
    }
    invoke(delivery, ending -> end(delivery, ending.outcome(), ending.began()));
  }

  /** How an invocation ended: with its outcome, or cut off at Lambda's timeout (no outcome). */
  private record Ending(Outcome outcome, Instant began) {}

  private void invoke(Delivery delivery, java.util.function.Consumer<Ending> then) {
    running++;
    invocations++;
    Instant began = loop.clock().now();
    Budget budget = Budget.of(began, TIMEOUT, rules.timings());
    Orchestration.Ports ports = new Orchestration.Ports(automations, lifecycleActions, hooks,
        continuationsFrom(), withWaitingRoom ? Optional.of(waitingRoom()) : Optional.empty(), this::count);
    Steps steps;
    Supplier<Optional<Outcome>> outcome;
    if (delivery.ended() != null) {
      RunbookEndRelease release = releases.releasing(delivery.ended(), budget, continuationsFrom());
      steps = release;
      outcome = release::outcome;
    } else {
      Orchestration orchestration = delivery.continuation() == null
          ? Orchestration.begin(delivery.action(), runbook, ports, rules, budget, began)
          : Orchestration.resume(delivery.continuation(), runbook, ports, rules, budget, began);
      steps = orchestration;
      outcome = orchestration::outcome;
    }
    loop.drive(steps, began.plus(TIMEOUT),
        () -> then.accept(new Ending(outcome.get().orElseThrow(), began)),
        () -> {
          timedOut++;
          then.accept(new Ending(null, began));
        });
  }

  /**
   * The event source mapping: receives visible messages while fewer than its MaximumConcurrency
   * invocations run (and the account has concurrency left), each message invisible for the
   * visibility timeout from its receive.
   */
  private void pollWaitingRoom() {
    Instant now = loop.clock().now();
    while (fromQueueRunning < waitingRoomConcurrency && running < concurrency) {
      if (queue.isEmpty() || queue.first().visibleAt.isAfter(now)) {
        return;
      }
      Message received = queue.pollFirst();
      received.receives++;
      received.visibleAt = now.plus(VISIBILITY_TIMEOUT);
      queue.add(received);
      fromQueueRunning++;
      mostFromQueueRunning = Math.max(mostFromQueueRunning, fromQueueRunning);
      Delivery delivery = new Delivery(received.continuation.action(), received.continuation, null,
          received.receives - 1);
      invoke(delivery, ending -> endFromWaitingRoom(received, ending));
    }
  }

  /**
   * Success deletes the message; a failure the handler reports comes back a minute per receive
   * later; a cut-off invocation's message when its visibility timeout runs out; the third failed
   * receive moves it to the dead-letter queue.
   */
  private void endFromWaitingRoom(Message message, Ending ending) {
    Instant now = loop.clock().now();
    invocationMillis += Duration.between(ending.began(), now).toMillis();
    running--;
    fromQueueRunning--;
    Outcome outcome = ending.outcome();
    boolean failed = outcome == null || outcome.needsAttention();
    queue.remove(message);
    if (failed && message.receives >= MAX_RECEIVE_COUNT) {
      deadLettered++;
    } else if (failed) {
      redelivered++;
      if (outcome != null) {
        message.visibleAt = now.plus(LifecycleHandler.REDELIVERY_STEP.multipliedBy(message.receives));
      }
      queue.add(message);
      loop.at(message.visibleAt, this::pollWaitingRoom);
    }
    record(outcome);
    loop.at(now, this::pollWaitingRoom);
    takeNextWaiting(now);
  }

  /** The invocation ended with the outcome, or was cut off at Lambda's timeout (no outcome). */
  private void end(Delivery delivery, Outcome outcome, Instant began) {
    Instant now = loop.clock().now();
    invocationMillis += Duration.between(began, now).toMillis();
    running--;
    if (outcome == null || outcome.needsAttention()) {
      if (delivery.attempt() < RETRY_DELAYS.size()) {
        deliver(delivery.retried(), now.plus(RETRY_DELAYS.get(delivery.attempt())));
      } else {
        failedToDestination++;
      }
    }
    record(outcome);
    takeNextWaiting(now);
  }

  private void record(Outcome outcome) {
    if (outcome != null && !(outcome instanceof Outcome.HandedOver) && !(outcome instanceof Outcome.Parked)) {
      outcomes.add(outcome);
    }
  }

  private void takeNextWaiting(Instant now) {
    Delivery next = waitingForConcurrency.poll();
    if (next != null) {
      deliver(next, now.plus(THROTTLED_REDELIVERY));
    } else if (withWaitingRoom) {
      loop.at(now, this::pollWaitingRoom);
    }
  }

  private Continuations continuationsFrom() {
    return continuation -> {
      invokeCalls++;
      if (random.nextDouble() < invokeFaultShare) {
        throw Failures.serverError();
      }
      deliver(new Delivery(continuation.action(), continuation, null, 0), loop.clock().now().plus(DELIVERY_LATENCY));
    };
  }

  /** The waiting room's queue: each message comes back as an invocation once its delay is over. */
  private WaitingRoom waitingRoom() {
    return new WaitingRoom() {
      @Override
      public Duration longestDelay() {
        return Duration.ofMinutes(15);
      }

      @Override
      public void park(Continuation continuation, Duration delay) {
        invokeCalls++;
        if (random.nextDouble() < invokeFaultShare) {
          throw Failures.serverError();
        }
        Message message = new Message(continuation, sentMessages++,
            loop.clock().now().plus(delay).plus(DELIVERY_LATENCY));
        queue.add(message);
        loop.at(message.visibleAt, SimulatedLambda.this::pollWaitingRoom);
      }

      /** Modelled in {@link #endFromWaitingRoom}, where the message's receive count is known. */
      @Override
      public void redeliverAfter(String receipt, Duration delay) {
        throw new UnsupportedOperationException("the simulated event source mapping reschedules failed messages itself");
      }
    };
  }

  private void count(LifecycleAction action, Milestone milestone) {
    if (milestone instanceof Milestone.Parked) {
      parked++;
    } else if (milestone instanceof Milestone.HandedOver) {
      handOvers++;
    } else if (milestone instanceof Milestone.StartRetried) {
      startRetries++;
    }
  }

  List<Outcome> outcomes() {
    return outcomes;
  }

  double invocationSeconds() {
    return invocationMillis / 1000.0;
  }

  int invocations() {
    return invocations;
  }

  int handOvers() {
    return handOvers;
  }

  int invokeCalls() {
    return invokeCalls;
  }

  int startRetries() {
    return startRetries;
  }

  int parked() {
    return parked;
  }

  int timedOut() {
    return timedOut;
  }

  int failedToDestination() {
    return failedToDestination;
  }

  int deadLettered() {
    return deadLettered;
  }

  int redelivered() {
    return redelivered;
  }

  int mostFromWaitingRoomAtOnce() {
    return mostFromQueueRunning;
  }
}
