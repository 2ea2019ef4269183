package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.Runbook;
import com.lifecycleorchestrator.core.RunbookEnd;
import com.lifecycleorchestrator.core.ServiceFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * SSM as the simulation needs it: executions with tags, StartAutomationExecution's ClientToken
 * idempotency (the same token with the same request returns the same execution, with another
 * request IdempotentParameterMismatch: StartAutomationExecution API reference, "ClientToken"),
 * each execution's status over time (Pending, InProgress, then its final status), and agents that
 * register some time after their instance boots, late, or never ("Setting up AWS Systems Manager
 * for EC2 instances": the SSM agent of a launching instance registers once the instance has booted;
 * DescribeInstanceInformation knows no instance before). A launch runbook started before its
 * agent is online fails, as its commands reach no agent. Ids are counted, never random, so a seed
 * replays figure for figure.
 */
final class SsmModel {

  /** How an execution goes once started: how long it runs and how it ends. */
  record Script(Duration runs, String finalStatus) {}

  private static final Duration PENDING_FOR = Duration.ofMillis(500);
  private static final Duration FAILS_WITHOUT_AGENT_AFTER = Duration.ofSeconds(10);

  private static final class Execution {
    final String id;
    final Runbook.Start start;
    final Instant startedAt;
    final Script script;
    final Map<String, String> tags;

    Execution(String id, Runbook.Start start, Instant startedAt, Script script) {
      this.id = id;
      this.start = start;
      this.startedAt = startedAt;
      this.script = script;
      this.tags = new LinkedHashMap<>(start.tags());
    }
  }

  private final EventLoop loop;
  private final History history;
  private final AutoScalingModel autoScaling;
  private final java.util.function.Supplier<Script> scripts;
  private final Map<String, Execution> executions = new LinkedHashMap<>();
  private final Map<String, String> byClientToken = new LinkedHashMap<>();
  /** When each instance's agent is online from; an instance not here has never registered. */
  private final Map<LifecycleAction.InstanceId, Instant> agentOnlineFrom = new LinkedHashMap<>();
  /** Told of each execution's end when it starts, with the action its seat held then, to announce it. */
  private java.util.function.BiConsumer<RunbookEnd, Optional<Integer>> ends = (end, action) -> { };

  SsmModel(EventLoop loop, History history, AutoScalingModel autoScaling, java.util.function.Supplier<Script> scripts) {
    this.loop = loop;
    this.history = history;
    this.autoScaling = autoScaling;
    this.scripts = scripts;
  }

  void announcingEnds(java.util.function.BiConsumer<RunbookEnd, Optional<Integer>> ends) {
    this.ends = ends;
  }

  /** The instance's agent is online from {@code at}, or (empty) not registered at all. */
  void agentOnlineFrom(LifecycleAction.InstanceId instance, Optional<Instant> at) {
    at.ifPresentOrElse(online -> agentOnlineFrom.put(instance, online), () -> agentOnlineFrom.remove(instance));
  }

  boolean agentOnline(LifecycleAction.InstanceId instance) {
    Instant from = agentOnlineFrom.get(instance);
    return from != null && !loop.clock().now().isBefore(from);
  }

  Runbook.ExecutionId start(Runbook.Start start) {
    String earlier = byClientToken.get(start.clientToken());
    if (earlier != null) {
      Execution known = executions.get(earlier);
      if (!known.start.equals(start)) {
        throw new ServiceFailure.ClientTokenReused("IdempotentParameterMismatch",
            "Client token " + start.clientToken() + " was already used with other parameters", null);
      }
      return new Runbook.ExecutionId(earlier);
    }
    Instant now = loop.clock().now();
    String id = String.format(java.util.Locale.ROOT, "00000000-0000-4000-8000-%012d", executions.size());
    LifecycleAction.InstanceId instance = new LifecycleAction.InstanceId(
        start.parameters().get(Runbook.INSTANCE_PARAMETER).get(0));
    LifecycleAction.HookName hook = new LifecycleAction.HookName(start.tags().get(Runbook.Start.instanceTagKey(instance)));
    boolean launch = hook.equals(AutoScalingModel.HOOKS.get(LifecycleAction.Transition.LAUNCHING));
    boolean agentOnline = agentOnline(instance);
    Script script = launch && !agentOnline ? new Script(FAILS_WITHOUT_AGENT_AFTER, "Failed") : scripts.get();
    executions.put(id, new Execution(id, start, now, script));
    byClientToken.put(start.clientToken(), id);
    Optional<Integer> active = autoScaling.holding(hook, instance).map(held -> held.action.id());
    history.starts.add(new History.Start(id, now, active, launch, agentOnline, start.documentName()));
    history.note(now, "START " + id + " for " + instance + " at " + hook + " serving "
        + active.map(a -> history.action(a).name()).orElse("no active action") + ": runs "
        + script.runs().toSeconds() + " s, then " + script.finalStatus());
    ends.accept(new RunbookEnd(new Runbook.ExecutionId(id), start.documentName(), new Runbook.Status(script.finalStatus()),
        now.plus(PENDING_FOR).plus(script.runs())), active);
    return new Runbook.ExecutionId(id);
  }

  Optional<Runbook.Found> findEarlier(Runbook.Start start) {
    return executions.values().stream()
        .filter(execution -> execution.start.documentName().equals(start.documentName())
            && execution.tags.containsKey(start.lookupTagKey()))
        .findFirst()
        .map(execution -> new Runbook.Found(new Runbook.ExecutionId(execution.id), observation(execution)));
  }

  /** The seat's executions by their tag, the highest epoch first (DescribeAutomationExecutions, then their tags). */
  Optional<Runbook.Entry> latest(Runbook.Seat seat) {
    return executions.values().stream()
        .filter(execution -> execution.start.documentName().equals(seat.documentName())
            && execution.tags.containsKey(seat.tagKey()))
        .map(execution -> Runbook.Entry.of(seat, new Runbook.ExecutionId(execution.id), observation(execution),
            execution.tags))
        .flatMap(Optional::stream)
        .max(Comparator.comparingInt(Runbook.Entry::epoch));
  }

  /** AddTagsToResource: a key's value replaces the one it had. */
  void record(Runbook.ExecutionId execution, Map<String, String> tags) {
    Execution known = executions.get(execution.value());
    if (known == null) {
      throw new ServiceFailure.Rejected("InvalidResourceId", "no automation execution " + execution, null);
    }
    known.tags.putAll(tags);
  }

  /** ListTagsForResource: SSM answers an execution it does not know with InvalidResourceId. */
  Map<String, String> tagsOf(Runbook.ExecutionId execution) {
    Execution known = executions.get(execution.value());
    if (known == null) {
      throw new ServiceFailure.ExecutionNotFound("InvalidResourceId", "no automation execution " + execution, null);
    }
    return Map.copyOf(known.tags);
  }

  Fleet.Agent agentOf(LifecycleAction.InstanceId instance) {
    if (agentOnline(instance)) {
      return Fleet.Agent.ONLINE;
    }
    return agentOnlineFrom.containsKey(instance) ? Fleet.Agent.CONNECTION_LOST : Fleet.Agent.NOT_MANAGED;
  }

  Runbook.Observation observe(Runbook.ExecutionId execution) {
    Execution known = executions.get(execution.value());
    if (known == null) {
      throw new ServiceFailure.ExecutionNotFound("AutomationExecutionNotFoundException",
          "Automation execution " + execution + " not found", null);
    }
    return observation(known);
  }

  /** Whether the execution has ended with success by now. */
  boolean succeeded(String execution) {
    return observe(new Runbook.ExecutionId(execution)).status().state() == Runbook.State.SUCCEEDED;
  }

  private Runbook.Observation observation(Execution execution) {
    Duration elapsed = Duration.between(execution.startedAt, loop.clock().now());
    Instant running = execution.startedAt.plus(PENDING_FOR);
    if (elapsed.compareTo(PENDING_FOR) < 0) {
      return new Runbook.Observation(new Runbook.Status("Pending"), Optional.empty(), Optional.empty());
    }
    if (elapsed.compareTo(PENDING_FOR.plus(execution.script.runs())) < 0) {
      return new Runbook.Observation(new Runbook.Status("InProgress"), Optional.of(running), Optional.empty());
    }
    return new Runbook.Observation(new Runbook.Status(execution.script.finalStatus()), Optional.of(running),
        Optional.of(running.plus(execution.script.runs())));
  }
}
