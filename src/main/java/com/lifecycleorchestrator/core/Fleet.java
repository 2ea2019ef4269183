package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

  /**
   * An instance waiting at a lifecycle hook of the group (or of its warm pool), which way it is going,
   * and where to. An instance in {@code Warmed:Pending:Wait} waits either at the launch hook (launched
   * into the pool) or at the terminate hook (returned to the pool on scale-in): it is listed once for
   * each, and the hook that holds it is the one that accepts a heartbeat.
   */
  public record WaitingInstance(
      LifecycleAction.InstanceId instance, LifecycleAction.Transition transition, LifecycleAction.Place destination) {
    public WaitingInstance {
      requireNonNull(instance, "instance");
      requireNonNull(transition, "transition");
      requireNonNull(destination, "destination");
    }
  }

  /**
   * A group's state, the instances waiting at its hooks (in the group and in its warm pool), whether
   * its instance lifecycle policy retains an instance whose terminate action is abandoned
   * (RetentionTriggers TerminateHookAbandon = retain) instead of terminating it, and, for each
   * transition, the runbook its opt-in tag names (fleet mode; see {@link Enrolment}).
   */
  public record Group(GroupState state, List<WaitingInstance> waiting, boolean retainsAbandoned,
      Map<LifecycleAction.Transition, String> runbookTags) {
    public Group {
      requireNonNull(state, "state");
      waiting = List.copyOf(waiting);
      runbookTags = Map.copyOf(runbookTags);
    }

    public Group(GroupState state, List<WaitingInstance> waiting, boolean retainsAbandoned) {
      this(state, waiting, retainsAbandoned, Map.of());
    }

    public Group(GroupState state, List<WaitingInstance> waiting) {
      this(state, waiting, false);
    }
  }

  /**
   * A scaling activity of a group as DescribeScalingActivities lists it: its id, its start and its
   * description, which names the instance it moves ("Terminating EC2 instance: i-...").
   */
  public record Activity(String id, Instant startedAt, String description) {
    public Activity {
      requireNonNull(id, "id");
      requireNonNull(startedAt, "startedAt");
      requireNonNull(description, "description");
    }

    /** An instance id in an activity's description, as a whole word. */
    private static final Pattern INSTANCE_ID =
        Pattern.compile("(?<![0-9A-Za-z-])i-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![0-9A-Za-z])");

    public LifecycleAction.ScalingActivity asScalingActivity() {
      return new LifecycleAction.ScalingActivity(id, startedAt);
    }

    /**
     * The activity holding the instance now: the latest of the group's activities in progress that
     * names it. While Auto Scaling holds an instance at a hook, the activity that moves it is in
     * progress (StatusCode MidLifecycleAction, DescribeScalingActivities API reference), and an
     * instance is moved by one activity at a time, so no timestamp is compared with another.
     */
    public static Optional<Activity> holding(List<Activity> inProgress, LifecycleAction.InstanceId instance) {
      return Optional.ofNullable(holdingEach(inProgress).get(instance));
    }

    /**
     * The activity holding each instance the activities in progress name, as {@link #holding} finds
     * it for one: read in one pass, since a reconciler pass looks up thousands of instances in the
     * same listing.
     */
    public static Map<LifecycleAction.InstanceId, Activity> holdingEach(List<Activity> inProgress) {
      Map<LifecycleAction.InstanceId, Activity> holding = new HashMap<>();
      for (Activity activity : inProgress) {
        Matcher named = INSTANCE_ID.matcher(activity.description());
        while (named.find()) {
          holding.merge(new LifecycleAction.InstanceId(named.group()), activity,
              (one, other) -> one.startedAt().isBefore(other.startedAt()) ? other : one);
        }
      }
      return holding;
    }
  }
}
