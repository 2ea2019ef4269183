package com.lifecycleorchestrator.handler;

import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.Outcome;
import com.lifecycleorchestrator.core.Reconciler;
import com.lifecycleorchestrator.core.Runbook;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one line that ends the handling of a delivery: what happened and every identifier a person
 * needs to find the instance, the hook and the runbook execution. The same fields are the
 * function's return value.
 */
record OutcomeReport(Severity severity, String message, Map<String, Object> fields) {

  enum Severity {
    INFO,
    WARN,
    ERROR
  }

  static OutcomeReport of(Outcome outcome) {
    return of(outcome, group -> Optional.empty());
  }

  /**
   * The report, saying for a terminate action completed with ABANDON what becomes of the instance:
   * {@code retained} where the group's instance lifecycle policy retains it (RetentionTriggers
   * TerminateHookAbandon = retain), {@code terminated} where it is known not to; nothing where Auto
   * Scaling could not say.
   */
  static OutcomeReport of(Outcome outcome, Function<LifecycleAction.GroupName, Optional<Boolean>> retainsAbandoned) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("outcome", outcome.getClass().getSimpleName());
    if (outcome instanceof Outcome.Completed completed) {
      progress(fields, completed.progress());
      fields.put("result", completed.result().name());
      fields.put("reason", completed.reason());
      LifecycleAction action = completed.progress().action();
      if (completed.result() == LifecycleResult.ABANDON
          && action.transition() == LifecycleAction.Transition.TERMINATING && !action.returnsToWarmPool()) {
        retainsAbandoned.apply(action.group())
            .ifPresent(retains -> fields.put("instance_fate", retains ? "retained" : "terminated"));
      }
      boolean succeeded = completed.progress().status()
          .map(status -> status.state() == Runbook.State.SUCCEEDED)
          .orElse(false);
      return new OutcomeReport(succeeded ? Severity.INFO : Severity.WARN,
          "lifecycle action completed with " + completed.result(), fields);
    }
    if (outcome instanceof Outcome.AlreadyCompleted already) {
      progress(fields, already.progress());
      already.intended().ifPresent(result -> fields.put("result", result.name()));
      fields.put("reason", already.reason());
      return new OutcomeReport(Severity.INFO, "lifecycle action was already completed", fields);
    }
    if (outcome instanceof Outcome.HandedOver handedOver) {
      progress(fields, handedOver.progress());
      fields.put("hand_overs", handedOver.continuation().handOvers());
      fields.put("hook_deadline", handedOver.continuation().hookDeadline().toString());
      fields.put("reason", "the invocation's time ran low while the runbook "
          + (handedOver.progress().execution().isPresent() ? "still ran" : "waited to start")
          + "; a fresh invocation goes on with the action");
      return new OutcomeReport(Severity.INFO, "lifecycle action handed over to a fresh invocation", fields);
    }
    if (outcome instanceof Outcome.LeftToTheReconciler left) {
      progress(fields, left.progress());
      fields.put("reason", left.reason());
      return new OutcomeReport(Severity.WARN, "lifecycle action left to the reconciler's next pass", fields);
    }
    if (outcome instanceof Outcome.Parked parked) {
      progress(fields, parked.progress());
      fields.put("capacity_waits", parked.continuation().capacityWaits());
      fields.put("seconds_parked", seconds(parked.delay()));
      fields.put("reason", parked.reason() + "; the action comes back from the waiting room after the delay, its "
          + "hook kept alive");
      return new OutcomeReport(Severity.INFO, "lifecycle action parked in the waiting room", fields);
    }
    if (outcome instanceof Outcome.Unfinished unfinished) {
      progress(fields, unfinished.progress());
      unfinished.intended().ifPresent(result -> fields.put("result", result.name()));
      fields.put("reason", unfinished.error());
      return new OutcomeReport(Severity.ERROR, "lifecycle action not completed: " + unfinished.error(), fields);
    }
    if (outcome instanceof Outcome.Reconciled reconciled) {
      Reconciler.Report pass = reconciled.report();
      fields.put("instances_waiting", pass.waiting());
      fields.put("instances_examined", pass.examined());
      fields.put("actions_recovered", pass.recovered());
      fields.put("released_for_group_deletion", pass.releasedForDeletion());
      fields.put("failed_calls", pass.failedCalls());
      fields.put("actions_unidentified", pass.unidentified());
      String leftAlone = pass.unidentified() == 0 ? "" : "; " + pass.unidentified()
          + " left alone: no scaling activity names them, so their action can be neither named nor dated";
      return new OutcomeReport(pass.failedCalls() == 0 && pass.unidentified() == 0 ? Severity.INFO : Severity.WARN,
          "reconciler pass: " + pass.recovered() + " of " + pass.waiting() + " waiting instances recovered"
              + leftAlone, fields);
    }
    if (outcome instanceof Outcome.LeftToPolling left) {
      fields.put("execution_id", left.execution().value());
      fields.put("reason", left.reason());
      return new OutcomeReport(Severity.WARN, "runbook status event left to polling", fields);
    }
    if (outcome instanceof Outcome.RunbookNotAllowed notAllowed) {
      fields.putAll(identifiers(notAllowed.action()));
      fields.put("reason", notAllowed.reason());
      return new OutcomeReport(Severity.ERROR, "lifecycle action left alone: " + notAllowed.reason(), fields);
    }
    if (outcome instanceof Outcome.Refused refused) {
      fields.put("problems", refused.problems());
      return new OutcomeReport(Severity.ERROR,
          "lifecycle action event refused: " + String.join("; ", refused.problems()), fields);
    }
    Outcome.Ignored ignored = (Outcome.Ignored) outcome;
    fields.put("reason", ignored.reason());
    return new OutcomeReport(Severity.INFO, "event ignored: " + ignored.reason(), fields);
  }

  /** The identifiers of a lifecycle action, as log keys. */
  static Map<String, String> identifiers(LifecycleAction action) {
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("instance_id", action.instance().value());
    keys.put("auto_scaling_group_name", action.group().value());
    keys.put("lifecycle_hook_name", action.hook().value());
    keys.put("lifecycle_action_token", action.token().map(LifecycleAction.Token::value).orElse("(none: found by the reconciler)"));
    keys.put("lifecycle_transition", action.transition().wireName());
    return keys;
  }

  private static void progress(Map<String, Object> fields, Outcome.Progress progress) {
    fields.putAll(identifiers(progress.action()));
    fields.put("execution_id", progress.execution().map(Object::toString).orElse(null));
    fields.put("final_status", progress.status().map(Object::toString).orElse(null));
    fields.put("seconds_starting", seconds(progress.timings().starting()));
    fields.put("seconds_waiting", seconds(progress.timings().waiting()));
    fields.put("seconds_completing", seconds(progress.timings().completing()));
    progress.timings().releaseDelay().ifPresent(delay -> fields.put("seconds_after_runbook_end", seconds(delay)));
  }

  private static double seconds(Duration duration) {
    return duration.toMillis() / 1000.0;
  }
}
