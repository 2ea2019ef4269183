package com.lifecycleorchestrator.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Where the handling of a lifecycle action stands, and when its next step is due. */
sealed interface Position {
  Instant due();

  /** Whether the instance is still held on our account: the runbook is starting or running. */
  default boolean holdsInstance() {
    return this instanceof Claiming || this instanceof Checking || this instanceof AwaitingAgent
        || this instanceof Starting || this instanceof FindingEarlierStart || this instanceof Waiting;
  }

  /**
   * Reading the record of the action's seat (its instance at its hook) to learn whether an
   * execution serves the action already, or which epoch of the seat it is; {@code attempt} counts
   * the readings that could not decide so far.
   */
  record Claiming(int attempt, Instant due) implements Position {}

  /**
   * Checking that holding the instance still makes sense before going {@code on}: the group is
   * not being deleted, and (if {@code agent}) the instance's SSM agent can run the runbook.
   */
  record Checking(boolean agent, Position on, Instant due) implements Position {}

  /**
   * A launching instance's SSM agent is not online yet: looking again at {@code due}, the
   * {@code attempt}th look after the first.
   */
  record AwaitingAgent(int attempt, Starting on, Instant due) implements Position {}

  /**
   * Starting the runbook as the seat's {@code epoch}th action; {@code attempt} counts the starts
   * refused or failed so far.
   */
  record Starting(int epoch, int attempt, Instant due) implements Position {}

  /** SSM refused our client token as used: looking for the execution an earlier delivery started. */
  record FindingEarlierStart(int epoch, int attempt, Instant due) implements Position {}

  /** The runbook runs; {@code checks} counts the status checks so far. */
  record Waiting(Runbook.ExecutionId execution, int checks, Instant due) implements Position {}

  /**
   * This invocation's time runs low: handing the action over to a fresh one, with the result still
   * to be sent if there is one.
   */
  record HandingOver(int attempt, Optional<Continuation.Pending> pending, Instant due) implements Position {}

  /**
   * The action waits for SSM's capacity, or for its runbook's status-change event: parking it in the
   * waiting room for {@code delay}, for the {@code reason} given.
   */
  record Parking(Duration delay, String reason, Instant due) implements Position {}

  /** The result is known and being sent; {@code attempt} counts the sends that failed for now. */
  record Completing(LifecycleResult result, String reason, int attempt, Instant due) implements Position {}

  /** Nothing more to do. */
  record Finished(Outcome outcome) implements Position {
    @Override
    public Instant due() {
      return Instant.MAX;
    }
  }
}
