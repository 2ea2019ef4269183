package com.lifecycleorchestrator.core;

import java.util.List;
import java.util.Map;

/**
 * What the orchestration and the reconciler need from EC2 Auto Scaling. Failures come as {@link ServiceFailure}s after
 * the implementation's own retries of transient errors.
 */
public interface LifecycleActions {

  /** What Auto Scaling said of a lifecycle action we addressed. */
  enum Answer {
    /** The action was active and the call took effect. */
    ACCEPTED,
    /** No such action is active: it was completed already (by a duplicate, a person, or its timeout). */
    NOT_ACTIVE
  }

  /** Restarts the hook's heartbeat timer for the action. */
  Answer recordHeartbeat(LifecycleAction action);

  /** Completes the action with the result. */
  Answer complete(LifecycleAction action, LifecycleResult result);

  /**
   * The hook's own heartbeat and global timeouts and default result.
   *
   * @throws ServiceFailure.Rejected the function may not read the hook, or there is no such hook
   */
  HookTimeouts timeoutsOf(LifecycleAction.GroupName group, LifecycleAction.HookName hook);

  /**
   * The group's state, the instances waiting at its lifecycle hooks in the group and in its warm
   * pool, and whether it retains instances whose terminate action is abandoned.
   */
  Fleet.Group describe(LifecycleAction.GroupName group);

  /**
   * Every group that carries an opt-in tag of fleet mode ({@link Enrolment#TERMINATE_TAG},
   * {@link Enrolment#LAUNCH_TAG}), each described as {@link #describe} does.
   */
  Map<LifecycleAction.GroupName, Fleet.Group> enrolled();

  /**
   * The group's scaling activities still in progress: among them, the one of each instance held at
   * a hook (its StatusCode is MidLifecycleAction meanwhile).
   */
  List<Fleet.Activity> activitiesInProgress(LifecycleAction.GroupName group);
}
