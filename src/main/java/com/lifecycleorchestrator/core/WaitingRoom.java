package com.lifecycleorchestrator.core;

import java.time.Duration;

/**
 * Where a lifecycle action waits for SSM's capacity without holding an invocation: the
 * continuation comes back to the function after the delay. While many actions wait for SSM's
 * queue, they cost no Lambda concurrency and keep their hooks alive at each return.
 */
public interface WaitingRoom {

  /** The longest delay the waiting room can hold a continuation for. */
  Duration longestDelay();

  /**
   * Delivers the continuation to the function after the delay.
   *
   * @throws ServiceFailure the continuation was not accepted
   */
  void park(Continuation continuation, Duration delay);

  /**
   * Brings a delivered continuation whose handling failed back after the delay, rather than when
   * the queue's visibility timeout runs out.
   *
   * @param receipt what the delivery was received with (SQS's receipt handle)
   * @throws ServiceFailure the delivery's return was not rescheduled
   */
  void redeliverAfter(String receipt, Duration delay);
}
