package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Fleet mode: one deployment serves every group that opts in with a tag, each with the runbook its
 * tag names. A group is served for terminations when it carries {@link #TERMINATE_TAG}, for launches
 * when it carries {@link #LAUNCH_TAG}; the value is {@link #DEFAULT} (the stack's runbook for that
 * transition) or a runbook the stack allows. Any other runbook is refused, so that tagging a group
 * can choose among the stack's runbooks but never widen what the stack may start.
 *
 * <p>A runbook the stack allows besides its own gets the instance and, where the stack passes one,
 * the stack's role ({@code parameters}): the role's permissions, not the tag, bound what it may do.
 */
public record Enrolment(Set<String> allowedRunbooks, Map<String, List<String>> parameters) {

  public static final String TERMINATE_TAG = "lifecycle-orchestrator:runbook";
  public static final String LAUNCH_TAG = "lifecycle-orchestrator:launch-runbook";
  /** The tag value that names the stack's own runbook for the transition. */
  public static final String DEFAULT = "default";

  public Enrolment {
    allowedRunbooks = Set.copyOf(allowedRunbooks);
    parameters = Map.copyOf(parameters);
  }

  /** The opt-in tag of a transition's lifecycle actions. */
  public static String tagOf(LifecycleAction.Transition transition) {
    return transition == LifecycleAction.Transition.LAUNCHING ? LAUNCH_TAG : TERMINATE_TAG;
  }

  /** Which runbook serves a group's lifecycle actions of one transition, or why none does. */
  public sealed interface Choice {
    /**
     * The runbook that serves them, and the group as read to choose it, if it was (fleet mode), for
     * the pre-flight to use rather than reading it again.
     */
    record Served(Runbook runbook, Optional<Fleet.Group> groupAsRead) implements Choice {
      public Served {
        requireNonNull(runbook, "runbook");
        requireNonNull(groupAsRead, "groupAsRead");
      }

      public Served(Runbook runbook) {
        this(runbook, Optional.empty());
      }
    }

    /** The group has not opted in: its actions are not ours, and are left alone. */
    record NotEnrolled(String reason) implements Choice {}

    /** The group opted in with a runbook the stack does not allow: a person must act. */
    record NotAllowed(String reason) implements Choice {}
  }

  /**
   * The runbook the group's tag names for the transition, given the stack's own runbook for it.
   */
  Choice choose(LifecycleAction.GroupName group, Fleet.Group described, LifecycleAction.Transition transition,
      Optional<Runbook> stacks) {
    String tag = tagOf(transition);
    String named = described.runbookTags().get(transition);
    if (named == null) {
      return new Choice.NotEnrolled("group " + group + " does not carry the tag " + tag
          + ": it has not opted in, so its " + transition.wireName() + " lifecycle actions are left alone");
    }
    if (named.equals(DEFAULT)) {
      return stacks.<Choice>map(Choice.Served::new).orElseGet(() -> new Choice.NotAllowed("group " + group
          + " asks with its tag " + tag + "=" + DEFAULT + " for the stack's runbook, but the stack has none for "
          + transition.wireName() + " lifecycle actions: give the stack one, or tag the group with an allowed runbook; "
          + "the action is left alone, and its hook's default result applies at its timeout"));
    }
    return allowed(named, stacks).<Choice>map(Choice.Served::new).orElseGet(() -> new Choice.NotAllowed("group "
        + group + " asks with its tag " + tag + " for the runbook '" + named + "', which this stack does not allow: "
        + "add it to the stack's AllowedRunbooks parameter, or set the tag to " + DEFAULT
        + " or to an allowed runbook; the action is left alone, and its hook's default result applies at its timeout"));
  }

  /**
   * The runbook of that name, if the stack allows it: its own runbook for the transition, or one of
   * the allowed runbooks.
   */
  Optional<Runbook> allowed(String documentName, Optional<Runbook> stacks) {
    Optional<Runbook> own = stacks.filter(runbook -> runbook.documentName().equals(documentName));
    if (own.isPresent() || !allowedRunbooks.contains(documentName)) {
      return own;
    }
    return Optional.of(new Runbook(documentName, parameters));
  }
}
