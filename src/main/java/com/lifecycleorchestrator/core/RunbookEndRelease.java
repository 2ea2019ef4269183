package com.lifecycleorchestrator.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The release of the lifecycle action whose runbook ended, on the execution's status-change event:
 * the execution's tags name the action it serves (nothing else does: the event names only the
 * execution), and that action is completed with the result its status maps to, through the same
 * sending of the result as any other (with its token, or checked first when it has none), then the
 * execution is marked released. An event whose execution was released already (a late or repeated
 * delivery), was superseded, or was started by nobody of ours releases nothing; an action completed
 * by another path meanwhile answers that it is no longer active. What cannot be read now is left
 * to the action's follower, whose polling is the events' fallback.
 */
public final class RunbookEndRelease implements Steps {

  /** How often the execution's tags are read before the event is left to the follower's polling. */
  static final int READ_ATTEMPTS = 3;

  private final RunbookEnd end;
  private final BiFunction<String, LifecycleAction.Transition, Optional<Runbook>> runbookNamed;
  private final Function<LifecycleAction, Optional<String>> notOurs;
  private final BiFunction<Runbook.Served, Runbook, Orchestration> releasing;
  private final Orchestration.Ports ports;
  private final Orchestration.Rules rules;
  private final Budget budget;
  private int attempt;
  private Instant due;
  private Orchestration release;
  private Outcome outcome;

  /**
   * @param runbookNamed the runbook of ours for the transition that the event's definition names, if any
   * @param notOurs why the action an execution serves is not ours to release (another hook's), if it is not
   * @param releasing the orchestration that sends the result for the action the execution serves, with its runbook
   */
  RunbookEndRelease(RunbookEnd end, BiFunction<String, LifecycleAction.Transition, Optional<Runbook>> runbookNamed,
      Function<LifecycleAction, Optional<String>> notOurs, BiFunction<Runbook.Served, Runbook, Orchestration> releasing,
      Orchestration.Ports ports, Orchestration.Rules rules, Budget budget, Instant now) {
    this.end = end;
    this.runbookNamed = runbookNamed;
    this.notOurs = notOurs;
    this.releasing = releasing;
    this.ports = ports;
    this.rules = rules;
    this.budget = budget;
    this.due = now;
  }

  public Optional<Outcome> outcome() {
    return release != null ? release.outcome() : Optional.ofNullable(outcome);
  }

  @Override
  public Instant nextStepAt() {
    return release != null ? release.nextStepAt() : outcome != null ? Instant.MAX : due;
  }

  @Override
  public boolean finished() {
    return release != null ? release.finished() : outcome != null;
  }

  @Override
  public void advance(Instant now) {
    if (release != null) {
      release.advance(now);
    } else if (!now.isBefore(due)) {
      readTheRecord(now);
    }
  }

  private void readTheRecord(Instant now) {
    if (rules.results().resultFor(end.status()).isEmpty()) {
      outcome = new Outcome.Ignored("automation execution " + end.execution() + " reached status " + end.status()
          + ", which is not an end");
      return;
    }
    Optional<Runbook> runbook = Arrays.stream(LifecycleAction.Transition.values())
        .flatMap(transition -> runbookNamed.apply(end.definition(), transition).stream())
        .findFirst();
    if (runbook.isEmpty()) {
      outcome = new Outcome.Ignored("automation execution " + end.execution() + " runs " + end.definition()
          + ", not a runbook this function starts");
      return;
    }
    Map<String, String> tags;
    try {
      tags = ports.automations().tagsOf(end.execution());
    } catch (ServiceFailure.ExecutionNotFound | ServiceFailure.Rejected unreadable) {
      outcome = leftToPolling("its tags cannot be read: " + unreadable.getMessage());
      return;
    } catch (ServiceFailure failure) {
      Duration pause = rules.timings().retrying().delayBefore(attempt);
      if (++attempt >= READ_ATTEMPTS || budget.overrunBy(now.plus(pause))) {
        outcome = leftToPolling("its tags could not be read: " + failure.getMessage());
      } else {
        due = now.plus(pause);
      }
      return;
    }
    Runbook.Observation observed = new Runbook.Observation(end.status(), Optional.empty(), Optional.of(end.endedAt()));
    Optional<Runbook.Served> served = runbook.get().servedBy(end.execution(), observed, tags);
    if (served.isEmpty()) {
      outcome = new Outcome.Ignored("automation execution " + end.execution() + " of " + end.definition()
          + " does not record a lifecycle action of ours: it was started by someone else, by an earlier version "
          + "of the function, or for a group whose name SSM cannot hold as a tag value (its follower's polling "
          + "releases that one)");
      return;
    }
    Optional<String> released = served.get().entry().released();
    if (released.isPresent()) {
      outcome = new Outcome.Ignored("automation execution " + end.execution() + " was released already ("
          + released.get() + "): a late or repeated delivery of its status-change event");
      return;
    }
    LifecycleAction action = served.get().action();
    Optional<Runbook> its = runbookNamed.apply(end.definition(), action.transition());
    if (its.isEmpty()) {
      outcome = new Outcome.Ignored("automation execution " + end.execution() + " of " + end.definition()
          + " records a " + action.transition().wireName() + " action, which this function runs another runbook for");
      return;
    }
    Optional<String> another = notOurs.apply(action);
    if (another.isPresent()) {
      outcome = new Outcome.Ignored(another.get());
      return;
    }
    release = releasing.apply(served.get(), its.get());
  }

  private Outcome leftToPolling(String why) {
    return new Outcome.LeftToPolling(end.execution(), "the status-change event of automation execution "
        + end.execution() + " (" + end.definition() + ", " + end.status() + ") releases nothing: " + why
        + "; the follower of its lifecycle action releases it at its next status check");
  }
}
