package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The invariants every run of the fault simulation must keep, checked on its {@link History}:
 *
 * <ul>
 *   <li>I1: at most one runbook execution per lifecycle action (an execution serves the action that
 *       held its instance at its hook when it started);
 *   <li>I2: no action is completed with the result of another action's execution;
 *   <li>I3: no launch runbook starts before the instance's agent is online, and no launch whose
 *       agent registers within the agent wait (from the launch, to the second as the events date
 *       it) gets the failure result without a runbook of its own;
 *   <li>I4: every action is completed by the function, with its runbook's result, before its hook
 *       times out; unless an operator completed it, or every path to it was lost;
 *   <li>I5: no CONTINUE without the action's own runbook having succeeded;
 *   <li>I6: every execution that serves an action runs the runbook its group's tag names for it.
 * </ul>
 */
final class Invariants {

  private Invariants() {}

  /** Each violation, naming the invariant and the action; none if the run kept them all. */
  static List<String> check(History history, Duration agentWait, LifecycleResult failureResult) {
    List<String> violations = new ArrayList<>();
    Map<Integer, List<String>> executionsOf = new LinkedHashMap<>();
    Map<String, Optional<Integer>> servedBy = new LinkedHashMap<>();
    for (History.Start start : history.starts) {
      servedBy.put(start.execution(), start.activeAction());
      start.activeAction().ifPresent(action ->
          executionsOf.computeIfAbsent(action, key -> new ArrayList<>()).add(start.execution()));
      start.activeAction().map(history::action)
          .filter(action -> !action.runbook().equals(start.document()))
          .ifPresent(action -> violations.add("I6: " + start.execution() + " runs " + start.document() + " for "
              + action.name() + ", whose group asks for " + action.runbook()));
      if (start.launch() && !start.agentOnline()) {
        violations.add("I3: launch runbook " + start.execution() + " started at " + start.at()
            + " before the instance's agent was online"
            + start.activeAction().map(a -> " (" + history.action(a).name() + ")").orElse(""));
      }
    }
    executionsOf.forEach((action, executions) -> {
      if (executions.size() > 1) {
        violations.add("I1: " + history.action(action).name() + " has " + executions.size() + " executions " + executions);
      }
    });
    for (History.Action action : history.actions) {
      Optional<History.Ending> ending = history.endingOf(action.id());
      if (ending.isEmpty() || ending.get().by() == History.Ender.TIMEOUT) {
        if (!history.lostOnEveryPath.contains(action.id())) {
          violations.add("I4: " + action.name() + (ending.isEmpty() ? " never ended"
              : " timed out at " + ending.get().at() + " with the hook's default " + ending.get().result()));
        }
        continue;
      }
      History.Ending end = ending.get();
      if (end.by() != History.Ender.FUNCTION) {
        continue;
      }
      Optional<Integer> served = end.execution().flatMap(execution -> servedBy.getOrDefault(execution, Optional.empty()));
      if (end.execution().isPresent() && !served.equals(Optional.of(action.id()))) {
        violations.add("I2: " + action.name() + " was completed " + end.result() + " with the result of "
            + end.execution().get() + ", which served " + served.map(a -> history.action(a).name()).orElse("no action"));
      }
      if (end.result() == LifecycleResult.CONTINUE && !(end.executionSucceeded() && served.equals(Optional.of(action.id())))) {
        violations.add("I5: " + action.name() + " got CONTINUE without its own runbook having succeeded");
      }
      LifecycleResult expected = end.execution().isPresent() && end.executionSucceeded()
          ? LifecycleResult.CONTINUE : failureResult;
      if (end.result() != expected) {
        violations.add("I4: " + action.name() + " was completed " + end.result() + ", not with its runbook's result "
            + expected);
      }
      // The launch as Auto Scaling dates it to the function: its events, to the second.
      Instant launch = action.launchedAt().truncatedTo(ChronoUnit.SECONDS);
      boolean agentInTime = action.agentOnlineAt().map(online -> !online.isAfter(launch.plus(agentWait)))
          .orElse(false);
      if (action.transition() == LifecycleAction.Transition.LAUNCHING && end.execution().isEmpty()
          && end.result() == failureResult && agentInTime) {
        violations.add("I3: " + action.name() + " got " + end.result() + " without a runbook, though its agent came online "
            + Duration.between(action.launchedAt(), action.agentOnlineAt().get()).toSeconds()
            + " s after the launch, within the agent wait of " + agentWait.toSeconds() + " s");
      }
    }
    return violations;
  }
}
