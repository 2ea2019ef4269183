package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one fault-simulation run did, as the invariants need it: every lifecycle action Auto
 * Scaling held, every runbook start (and which action was active at its seat then, and whether the
 * instance's agent was online), every ending of an action (by the function, naming the execution
 * whose result it sent; by a person; by the hook's timeout), and the schedule: each injected fault
 * and each delivery, with its time, for a failing seed's report.
 */
final class History {

  /** Who ended a lifecycle action. */
  enum Ender { FUNCTION, OPERATOR, TIMEOUT }

  /**
   * A lifecycle action as Auto Scaling held it: the simulation's own name for it, and its facts,
   * among them the runbook its group's tag names for its transition.
   */
  record Action(
      int id,
      LifecycleAction.InstanceId instance,
      LifecycleAction.Transition transition,
      LifecycleAction.Place destination,
      LifecycleAction.Token token,
      Instant heldAt,
      Instant launchedAt,
      Optional<Instant> agentOnlineAt,
      String runbook) {
    String name() {
      return "a" + id + "(" + instance + " " + transition.name().toLowerCase(java.util.Locale.ROOT) + "→"
          + destination.wireName() + ")";
    }
  }

  /** A StartAutomationExecution that created an execution, and the runbook it started. */
  record Start(String execution, Instant at, Optional<Integer> activeAction, boolean launch, boolean agentOnline,
      String document) {}

  /**
   * An action's end: by whom, with which result; for the function, the execution whose result it
   * sent (none when it decided without a runbook: agent unreachable, the hook's deadline) and
   * whether that execution had succeeded.
   */
  record Ending(int action, Ender by, LifecycleResult result, Instant at, Optional<String> execution,
      boolean executionSucceeded) {}

  /** A completion the function sent that reached no active action. */
  record LateCompletion(Instant at, LifecycleResult result) {}

  final List<Action> actions = new ArrayList<>();
  final List<Start> starts = new ArrayList<>();
  final List<Ending> endings = new ArrayList<>();
  final Map<String, Integer> faults = new TreeMap<>();
  final List<String> schedule = new ArrayList<>();
  /** The actions whose every path was lost: the exception of invariant I4. */
  final List<Integer> lostOnEveryPath = new ArrayList<>();
  private final Instant origin;
  int invocations;
  int apiCalls;
  int environments;

  History(Instant origin) {
    this.origin = origin;
  }

  /** Counts a fault of this kind and writes it in the schedule. */
  void fault(Instant at, String kind, String detail) {
    faults.merge(kind, 1, Integer::sum);
    note(at, "FAULT " + kind + ": " + detail);
  }

  /** Writes a line in the schedule, at its time since the run's start. */
  void note(Instant at, String line) {
    Duration since = Duration.between(origin, at);
    schedule.add(String.format(java.util.Locale.ROOT, "+%7.3fs %s", since.toMillis() / 1000.0, line));
  }

  Action action(int id) {
    return actions.get(id);
  }

  Optional<Ending> endingOf(int action) {
    return endings.stream().filter(ending -> ending.action() == action).findFirst();
  }
}
