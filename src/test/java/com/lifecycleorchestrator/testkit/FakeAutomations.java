package com.lifecycleorchestrator.testkit;

import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.Automations;
import com.lifecycleorchestrator.core.ServiceFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * SSM Automation as the core sees it, in memory: executions that move through a script of
 * statuses on the clock, SSM's client-token idempotency, its concurrency quota and queue (the
 * executions beyond the quota wait as Pending, a start beyond the queue is refused), API rate
 * limits, and failures queued per operation or drawn at random.
 */
public final class FakeAutomations implements Automations {

  public enum Operation { START, FIND, STATUS, AGENT, LATEST, RECORD, TAGS }

  /** How SSM answers a start whose client token it has seen. */
  public enum TokenReuse {
    /** The same execution id again, as for an identical retry. */
    RETURNS_SAME_EXECUTION,
    /** IdempotentParameterMismatch, so the caller must look the execution up. */
    REFUSES_TOKEN
  }

  /** A status held from an offset after the execution began to run, until the next step's offset. */
  public record Step(Duration from, String status) {}

  /** Statuses an execution goes through once it runs; the last one holds for ever. */
  public record Script(List<Step> steps) {
    public static Script runsThen(Duration running, String finalStatus) {
      return new Script(List.of(new Step(Duration.ZERO, "Pending"),
          new Step(Duration.ofMillis(200), "InProgress"), new Step(running, finalStatus)));
    }

    Step stepAt(Duration elapsed) {
      Step current = steps.get(0);
      for (Step step : steps) {
        if (elapsed.compareTo(step.from()) >= 0) {
          current = step;
        }
      }
      return current;
    }

    /** How long the execution runs before its final status. */
    public Duration duration() {
      return steps.get(steps.size() - 1).from();
    }
  }

  /**
   * An execution's end, known as soon as it begins to run: when it will reach its final status, and
   * which. SSM then sends its status-change event.
   */
  public record End(Runbook.ExecutionId execution, String documentName, Instant at, Runbook.Status status) {}

  /** One execution as SSM would hold it: started (queued) at {@code startedAt}. */
  public record Execution(String id, Runbook.Start start, Instant startedAt, Script script) {}

  private final Clock clock;
  private final Map<String, Execution> executions = new LinkedHashMap<>();
  private final Map<String, String> executionByClientToken = new LinkedHashMap<>();
  private final Map<String, Map<String, String>> tags = new LinkedHashMap<>();
  /** The executions of each seat, by the seat's tag key, as DescribeAutomationExecutions filters them. */
  private final Map<String, List<String>> bySeatTag = new LinkedHashMap<>();
  private final Map<String, Instant> runningFrom = new LinkedHashMap<>();
  private final Set<String> running = new LinkedHashSet<>();
  private final Deque<String> queued = new ArrayDeque<>();
  private final Map<String, Fleet.Agent> agents = new LinkedHashMap<>();
  private final Map<String, Instant> registrations = new LinkedHashMap<>();
  private final CallFaults<Operation> faults = new CallFaults<>(Operation.class, "ThrottlingException");
  private Function<Runbook.Start, Script> scripts = start -> Script.runsThen(Duration.ofSeconds(30), "Success");
  private TokenReuse tokenReuse = TokenReuse.RETURNS_SAME_EXECUTION;
  private int concurrency = Integer.MAX_VALUE;
  private int queueLimit = 0;
  private Consumer<End> ends = end -> { };

  public FakeAutomations(Clock clock) {
    this.clock = clock;
  }

  public synchronized FakeAutomations scripted(Function<Runbook.Start, Script> scripts) {
    this.scripts = scripts;
    return this;
  }

  /** Told of each execution's end as soon as it begins to run, to announce it when it comes. */
  public synchronized FakeAutomations announcingEnds(Consumer<End> ends) {
    this.ends = ends;
    return this;
  }

  public FakeAutomations everyRunbook(Script script) {
    return scripted(start -> script);
  }

  public synchronized FakeAutomations onTokenReuse(TokenReuse tokenReuse) {
    this.tokenReuse = tokenReuse;
    return this;
  }

  /** The instance's SSM agent answers so (every agent is online unless a test says otherwise). */
  public synchronized FakeAutomations agent(LifecycleAction.InstanceId instance, Fleet.Agent agent) {
    agents.put(instance.value(), agent);
    return this;
  }

  /**
   * The instance's SSM agent registers at {@code at}, as a launching instance's does once it has
   * booted: SSM does not manage the instance before, and its agent is online from then on.
   */
  public synchronized FakeAutomations agentRegistersAt(LifecycleAction.InstanceId instance, Instant at) {
    registrations.put(instance.value(), at);
    return this;
  }

  /** SSM's quota: this many executions run at once, this many more wait as Pending. */
  public synchronized FakeAutomations capacity(int concurrentExecutions, int queuedExecutions) {
    this.concurrency = concurrentExecutions;
    this.queueLimit = queuedExecutions;
    return this;
  }

  /** Calls of the operation beyond this rate are throttled. */
  public synchronized FakeAutomations rateLimit(Operation operation, double perSecond, double burst) {
    faults.rateLimit(operation, new TokenBucket(perSecond, burst, clock.now()));
    return this;
  }

  /** This share of all calls fail for now, as a 5xx or a dropped connection would. */
  public synchronized FakeAutomations randomFaults(double share, Random draw) {
    faults.randomFaults(share, draw);
    return this;
  }

  /** The next calls of the operation fail with these, in order. */
  public synchronized FakeAutomations failNext(Operation operation, ServiceFailure... failures) {
    faults.failNext(operation, failures);
    return this;
  }

  public synchronized int calls(Operation operation) {
    return faults.calls(operation);
  }

  public synchronized int throttled(Operation operation) {
    return faults.throttled(operation);
  }

  public synchronized int totalCalls() {
    return faults.totalCalls();
  }

  public synchronized List<Execution> executions() {
    return new ArrayList<>(executions.values());
  }

  /** When the execution reached its final status, if it has by now. */
  public synchronized Optional<Instant> endedAt(String executionId) {
    settle(clock.now());
    Instant from = runningFrom.get(executionId);
    if (from == null) {
      return Optional.empty();
    }
    Instant end = from.plus(executions.get(executionId).script().duration());
    return end.isAfter(clock.now()) ? Optional.empty() : Optional.of(end);
  }

  @Override
  public synchronized Runbook.ExecutionId start(Runbook.Start start) {
    called(Operation.START);
    String earlier = executionByClientToken.get(start.clientToken());
    if (earlier != null) {
      if (tokenReuse == TokenReuse.REFUSES_TOKEN
          || !executions.get(earlier).start().equals(start)) {
        throw new ServiceFailure.ClientTokenReused("IdempotentParameterMismatch",
            "Client token " + start.clientToken() + " was already used", null);
      }
      return new Runbook.ExecutionId(earlier);
    }
    Instant now = clock.now();
    settle(now);
    String id = UUID.randomUUID().toString();
    executions.put(id, new Execution(id, start, now, scripts.apply(start)));
    if (running.size() < concurrency) {
      run(id, now);
    } else if (queued.size() < queueLimit) {
      queued.add(id);
    } else {
      executions.remove(id);
      throw new ServiceFailure.ExecutionLimitReached("AutomationExecutionLimitExceededException",
          "Maximum number of queued automation executions reached", null);
    }
    tags.put(id, new LinkedHashMap<>(start.tags()));
    start.tags().keySet().stream().filter(key -> key.startsWith(Runbook.Seat.TAG_PREFIX))
        .forEach(key -> bySeatTag.computeIfAbsent(key, seat -> new ArrayList<>()).add(id));
    executionByClientToken.put(start.clientToken(), id);
    return new Runbook.ExecutionId(id);
  }

  @Override
  public synchronized Optional<Runbook.Found> findEarlier(Runbook.Start start) {
    called(Operation.FIND);
    return executions.values().stream()
        .filter(execution -> execution.start().documentName().startsWith(start.documentName())
            && execution.start().tags().containsKey(start.lookupTagKey()))
        .findFirst()
        .map(execution -> new Runbook.Found(new Runbook.ExecutionId(execution.id()), observation(execution)));
  }

  /**
   * The seat's executions, by the tag key they carry, and the one with the highest epoch among
   * them, as the SSM adapter reads them (DescribeAutomationExecutions, then ListTagsForResource).
   */
  @Override
  public synchronized Optional<Runbook.Entry> latest(Runbook.Seat seat) {
    called(Operation.LATEST);
    return bySeatTag.getOrDefault(seat.tagKey(), List.of()).stream()
        .map(executions::get)
        .filter(execution -> execution.start().documentName().equals(seat.documentName()))
        .map(execution -> Runbook.Entry.of(seat, new Runbook.ExecutionId(execution.id()), observation(execution),
            tags.get(execution.id())))
        .flatMap(Optional::stream)
        .max(java.util.Comparator.comparingInt(Runbook.Entry::epoch));
  }

  /** AddTagsToResource: a key's value replaces the one it had. */
  @Override
  public synchronized void record(Runbook.ExecutionId execution, Map<String, String> written) {
    called(Operation.RECORD);
    Map<String, String> known = tags.get(execution.value());
    if (known == null) {
      throw new ServiceFailure.Rejected("InvalidResourceId", "no automation execution " + execution, null);
    }
    known.putAll(written);
  }

  /** The tags the execution carries now; an inspection, not a call. */
  public synchronized Map<String, String> tagsOf(String executionId) {
    return Map.copyOf(tags.get(executionId));
  }

  @Override
  public synchronized Fleet.Agent agentOf(LifecycleAction.InstanceId instance) {
    called(Operation.AGENT);
    Instant registers = registrations.get(instance.value());
    if (registers != null && clock.now().isBefore(registers)) {
      return Fleet.Agent.NOT_MANAGED;
    }
    return agents.getOrDefault(instance.value(), Fleet.Agent.ONLINE);
  }

  @Override
  public synchronized Runbook.Observation observe(Runbook.ExecutionId execution) {
    called(Operation.STATUS);
    Execution known = executions.get(execution.value());
    if (known == null) {
      throw new ServiceFailure.ExecutionNotFound("AutomationExecutionNotFoundException",
          "Automation execution " + execution + " not found", null);
    }
    return observation(known);
  }

  private Runbook.Observation observation(Execution known) {
    Instant now = clock.now();
    settle(now);
    Instant from = runningFrom.get(known.id());
    if (from == null) {
      return new Runbook.Observation(new Runbook.Status("Pending"), Optional.empty(), Optional.empty());
    }
    Step step = known.script().stepAt(Duration.between(from, now));
    Runbook.Status status = new Runbook.Status(step.status());
    return new Runbook.Observation(status, Optional.of(from), status.state() == Runbook.State.RUNNING
        ? Optional.empty()
        : Optional.of(from.plus(step.from())));
  }

  /** Frees the slots of the executions that ended by {@code now}, giving each to the oldest queued one. */
  private void settle(Instant now) {
    while (true) {
      String first = null;
      Instant firstEnd = null;
      for (String id : running) {
        Instant end = runningFrom.get(id).plus(executions.get(id).script().duration());
        if (!end.isAfter(now) && (firstEnd == null || end.isBefore(firstEnd))) {
          first = id;
          firstEnd = end;
        }
      }
      if (first == null) {
        return;
      }
      running.remove(first);
      String next = queued.poll();
      if (next != null) {
        run(next, firstEnd);
      }
    }
  }

  private void run(String id, Instant from) {
    running.add(id);
    runningFrom.put(id, from);
    Execution execution = executions.get(id);
    List<Step> steps = execution.script().steps();
    ends.accept(new End(new Runbook.ExecutionId(id), execution.start().documentName(),
        from.plus(execution.script().duration()), new Runbook.Status(steps.get(steps.size() - 1).status())));
  }

  /** ListTagsForResource of an automation execution. */
  @Override
  public synchronized Map<String, String> tagsOf(Runbook.ExecutionId execution) {
    called(Operation.TAGS);
    Map<String, String> known = tags.get(execution.value());
    if (known == null) {
      throw new ServiceFailure.ExecutionNotFound("InvalidResourceId", "no automation execution " + execution, null);
    }
    return Map.copyOf(known);
  }

  private void called(Operation operation) {
    faults.call(operation, clock.now());
  }
}
