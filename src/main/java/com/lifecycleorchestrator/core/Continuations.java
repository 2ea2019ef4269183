package com.lifecycleorchestrator.core;


/** Hands the handling of a lifecycle action over to a fresh invocation of the function. */
public interface Continuations {

  /**
   * Delivers the continuation to a new invocation, asynchronously.
   *
   * @throws ServiceFailure the hand-over did not happen
   */
  void handOver(Continuation continuation);
}
