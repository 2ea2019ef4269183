package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What the function can see of the fleet around a lifecycle action: whether the group is being
 * deleted, which of its instances wait at a hook, and whether an instance's SSM agent answers.
 */
public final class Fleet {

  private Fleet() {}

  /** Whether an instance's SSM agent can run a runbook's commands, as SSM reports it. */
  public enum Agent {
    /** The agent answers: the runbook can run. */
    ONLINE,
    /** SSM lost the agent's connection: the instance is stopped, broken, or cut off. */
    CONNECTION_LOST,
    /** The agent has not been heard for long: it is gone or the instance is stopped. */
    INACTIVE,
    /** SSM knows no agent for the instance: none is installed or registered, or the id is wrong. */
    NOT_MANAGED
  }

  /** A group's life, as far as its held instances care. */
  public enum GroupState {
    ACTIVE,
    /** The group is being deleted: holding its instances only holds the deletion up. */
    DELETING
  }

  /** An instance waiting at a lifecycle hook of the group, and which way it is going. */
  public record WaitingInstance(LifecycleAction.InstanceId instance, LifecycleAction.Transition transition) {
    public WaitingInstance {
      requireNonNull(instance, "instance");
      requireNonNull(transition, "transition");
    }
  }

  /** A group's state and the instances waiting at its hooks. */
  public record Group(GroupState state, List<WaitingInstance> waiting) {
    public Group {
      requireNonNull(state, "state");
      waiting = List.copyOf(waiting);
    }
  }
}
