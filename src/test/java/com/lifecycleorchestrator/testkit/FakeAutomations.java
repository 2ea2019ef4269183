package com.lifecycleorchestrator.testkit;

import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.ports.Automations;
import com.lifecycleorchestrator.ports.ServiceFailure;
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
import java.util.UUID;
import java.util.function.Function;

/**
 * SSM Automation as the core sees it, in memory: executions that move through a script of
 * statuses on the clock, SSM's client-token idempotency, and failures queued per operation.
 */
public final class FakeAutomations implements Automations {

  public enum Operation { START, FIND, STATUS }

  /** How SSM answers a start whose client token it has seen. */
  public enum TokenReuse {
    /** The same execution id again, as for an identical retry. */
    RETURNS_SAME_EXECUTION,
    /** IdempotentParameterMismatch, so the caller must look the execution up. */
    REFUSES_TOKEN
  }

  /** A status held from an offset after the start, until the next step's offset. */
  public record Step(Duration from, String status) {}

  /** Statuses an execution goes through; the last one holds for ever. */
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
  }

  /** One execution as SSM would hold it. */
  public record Execution(String id, Runbook.Start start, Instant startedAt, Script script) {}

  private final Clock clock;
  private final Map<String, Execution> executions = new LinkedHashMap<>();
  private final Map<String, String> executionByClientToken = new LinkedHashMap<>();
  private final Map<Operation, Deque<ServiceFailure>> faults = new EnumMap<>(Operation.class);
  private final Map<Operation, Integer> calls = new EnumMap<>(Operation.class);
  private Function<Runbook.Start, Script> scripts = start -> Script.runsThen(Duration.ofSeconds(30), "Success");
  private TokenReuse tokenReuse = TokenReuse.RETURNS_SAME_EXECUTION;

  public FakeAutomations(Clock clock) {
    this.clock = clock;
    for (Operation operation : Operation.values()) {
      faults.put(operation, new ArrayDeque<>());
      calls.put(operation, 0);
    }
  }

  public synchronized FakeAutomations scripted(Function<Runbook.Start, Script> scripts) {
    this.scripts = scripts;
    return this;
  }

  public FakeAutomations everyRunbook(Script script) {
    return scripted(start -> script);
  }

  public synchronized FakeAutomations onTokenReuse(TokenReuse tokenReuse) {
    this.tokenReuse = tokenReuse;
    return this;
  }

  /** The next calls of the operation fail with these, in order. */
  public synchronized FakeAutomations failNext(Operation operation, ServiceFailure... failures) {
    faults.get(operation).addAll(List.of(failures));
    return this;
  }

  public synchronized int calls(Operation operation) {
    return calls.get(operation);
  }

  public synchronized int totalCalls() {
    return calls.values().stream().mapToInt(Integer::intValue).sum();
  }

  public synchronized List<Execution> executions() {
    return new ArrayList<>(executions.values());
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
    String id = UUID.randomUUID().toString();
    executions.put(id, new Execution(id, start, clock.now(), scripts.apply(start)));
    executionByClientToken.put(start.clientToken(), id);
    return new Runbook.ExecutionId(id);
  }

  @Override
  public synchronized Optional<Runbook.ExecutionId> findStartedFor(LifecycleAction.Token token) {
    called(Operation.FIND);
    String tag = Runbook.Start.actionTagKey(token);
    return executions.values().stream()
        .filter(execution -> execution.start().tags().containsKey(tag))
        .map(execution -> new Runbook.ExecutionId(execution.id()))
        .findFirst();
  }

  @Override
  public synchronized Runbook.Observation observe(Runbook.ExecutionId execution) {
    called(Operation.STATUS);
    Execution known = executions.get(execution.value());
    if (known == null) {
      throw new ServiceFailure.ExecutionNotFound("AutomationExecutionNotFoundException",
          "Automation execution " + execution + " not found", null);
    }
    Step step = known.script().stepAt(Duration.between(known.startedAt(), clock.now()));
    Runbook.Status status = new Runbook.Status(step.status());
    return new Runbook.Observation(status, status.state() == Runbook.State.RUNNING
        ? Optional.empty()
        : Optional.of(known.startedAt().plus(step.from())));
  }

  private void called(Operation operation) {
    calls.merge(operation, 1, Integer::sum);
    ServiceFailure fault = faults.get(operation).poll();
    if (fault != null) {
      throw fault;
    }
  }
}
