package com.lifecycleorchestrator.core;

import java.util.Map;
import java.util.Optional;

/**
 * What the orchestration needs from SSM Automation. Failures come as {@link ServiceFailure}s after
 * the implementation's own retries of transient errors.
 */
public interface Automations {

  /**
   * Starts the runbook, or returns the execution that an earlier identical request (same client
   * token) started.
   *
   * @throws ServiceFailure.ClientTokenReused SSM refuses the client token as already used
   * @throws ServiceFailure.ExecutionLimitReached SSM's queue of executions is full
   * @throws ServiceFailure.Rejected the runbook cannot be started as asked (document, parameters)
   * @throws ServiceFailure.Transient the call failed for now
   */
  Runbook.ExecutionId start(Runbook.Start start);

  /**
   * The execution an earlier start of this very request created (same document, same action tag,
   * hence same lifecycle action), with its status as the look-up saw it; if there is one.
   */
  Optional<Runbook.Found> findEarlier(Runbook.Start start);

  /**
   * The seat's latest execution, the one with the highest epoch, with what its tags record; empty
   * if the runbook was never started for this instance at this hook.
   *
   * @throws ServiceFailure.Transient the call failed for now
   */
  Optional<Runbook.Entry> latest(Runbook.Seat seat);

  /**
   * Writes these tags on the execution (a value replaces the one the key had): the record of its
   * seat ({@link Runbook.Entry}).
   *
   * @throws ServiceFailure the tags were not written
   */
  void record(Runbook.ExecutionId execution, Map<String, String> tags);

  /**
   * The tags the execution carries: the record of its action, for a path that knows only the
   * execution (its status-change event).
   *
   * @throws ServiceFailure.ExecutionNotFound SSM does not know the execution
   * @throws ServiceFailure.Transient the call failed for now
   */
  Map<String, String> tagsOf(Runbook.ExecutionId execution);

  /** Whether the instance's SSM agent can run commands now. */
  Fleet.Agent agentOf(LifecycleAction.InstanceId instance);

  /**
   * @throws ServiceFailure.ExecutionNotFound SSM does not know the execution (yet)
   * @throws ServiceFailure.Transient the call failed for now
   */
  Runbook.Observation observe(Runbook.ExecutionId execution);
}
