package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The SSM Automation runbook started for a lifecycle action: its document and the parameters every
 * execution gets, and the per-action request built from them.
 */
public record Runbook(
    String documentName, Map<String, List<String>> parameters, Optional<String> groupNameParameter) {

  /** The runbook parameter that receives the instance; every runbook we start must declare it. */
  public static final String INSTANCE_PARAMETER = "InstanceId";

  public Runbook {
    requireNonNull(documentName, "documentName");
    parameters = Map.copyOf(parameters);
    requireNonNull(groupNameParameter, "groupNameParameter");
  }

  /** A runbook that receives the instance and the given parameters only. */
  public Runbook(String documentName, Map<String, List<String>> parameters) {
    this(documentName, parameters, Optional.empty());
  }

  /**
   * The request that starts this runbook for one lifecycle action: the same for every delivery of
   * that action and for the reconciler that finds it without its event, and different for every
   * other action of the same instance, so that SSM's idempotency starts exactly one execution per
   * action.
   *
   * <p>The client token is a name-based UUID (SSM's ClientToken "enforces the UUID format", 36
   * characters, StartAutomationExecution API reference) of the document, group, hook, transition,
   * instance and what tells this action from the instance's other ones:
   *
   * <ul>
   *   <li>the scaling activity that moved the instance, when it is known. Both paths can find it:
   *       the event's handler and the reconciler list DescribeScalingActivities, where every launch,
   *       termination and move into or out of the warm pool of an instance is an activity of its
   *       own whose description names the instance. The lifecycle action token would tell actions
   *       apart as well, but the reconciler never sees it; the event's time is not the reconciler's
   *       either.
   *   <li>else the lifecycle action token, when the event brought one and its activity could not be
   *       found (the listing was refused or failed): still one execution per action and per
   *       delivery. The reconciler does not recover an action whose activity it cannot find, so it
   *       never starts a second execution beside one started under the token.
   * </ul>
   *
   * <p>The execution's tags let it be found again: {@code lifecycle-action:<client token>} names this
   * one action exactly, and {@code lifecycle-instance:<instance id>} (with the hook as value) the
   * instance it serves.
   */
  public Start startFor(LifecycleAction action) {
    Map<String, List<String>> all = new LinkedHashMap<>(parameters);
    all.put(INSTANCE_PARAMETER, List.of(action.instance().value()));
    groupNameParameter.ifPresent(name -> all.put(name, List.of(action.group().value())));
    String occasion = action.activity().map(activity -> "activity " + activity.id())
        .or(() -> action.token().map(token -> "token " + token.value()))
        .orElse("");
    String name = String.join("\n", documentName, action.group().value(), action.hook().value(),
        action.transition().wireName(), action.instance().value(), occasion);
    String clientToken = UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    return new Start(documentName, all, clientToken, Map.of(
        Start.ACTION_TAG_PREFIX + clientToken, action.instance().value(),
        Start.instanceTagKey(action.instance()), action.hook().value()));
  }

  /**
   * One StartAutomationExecution request, in our own terms, with the tags that find its execution
   * again (see {@link Runbook#startFor}).
   */
  public record Start(
      String documentName,
      Map<String, List<String>> parameters,
      String clientToken,
      Map<String, String> tags) {

    public static final String INSTANCE_TAG_PREFIX = "lifecycle-instance:";
    public static final String ACTION_TAG_PREFIX = "lifecycle-action:";

    public Start {
      requireNonNull(documentName, "documentName");
      parameters = Map.copyOf(parameters);
      requireNonNull(clientToken, "clientToken");
      tags = Map.copyOf(tags);
    }

    /** The tag key that only the execution started by this request carries. */
    public String lookupTagKey() {
      return ACTION_TAG_PREFIX + clientToken;
    }

    public static String instanceTagKey(LifecycleAction.InstanceId instance) {
      return INSTANCE_TAG_PREFIX + instance.value();
    }
  }

  /** The id SSM gives an automation execution. */
  public record ExecutionId(String value) {
    private static final Pattern FORM = Pattern.compile("[A-Za-z0-9-]{36}");

    public ExecutionId {
      if (value == null || !FORM.matcher(value).matches()) {
        throw new IllegalArgumentException(
            "an automation execution id has 36 characters, got " + LifecycleAction.quoted(value));
      }
    }

    @Override
    public String toString() {
      return value;
    }
  }

  /** What a status check saw: the status, and when the execution started and ended if it has. */
  public record Observation(Status status, Optional<Instant> startedAt, Optional<Instant> endedAt) {
    public Observation {
      requireNonNull(status, "status");
      requireNonNull(startedAt, "startedAt");
      requireNonNull(endedAt, "endedAt");
    }
  }

  /** An execution found by a look-up, and what the look-up saw of it. */
  public record Found(ExecutionId execution, Observation observation) {
    public Found {
      requireNonNull(execution, "execution");
      requireNonNull(observation, "observation");
    }
  }

  /** Where a runbook stands, as far as the lifecycle action cares. */
  public enum State {
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  /**
   * An automation execution status by SSM's name for it. Every value of SSM's
   * AutomationExecutionStatus is known here; a name SSM adds later counts as still running, so the
   * orchestrator keeps watching (within its deadlines) rather than guessing a result.
   */
  public record Status(String name) {
    private static final Map<String, State> KNOWN = Map.ofEntries(
        Map.entry("Pending", State.RUNNING),
        Map.entry("InProgress", State.RUNNING),
        Map.entry("Waiting", State.RUNNING),
        Map.entry("Cancelling", State.RUNNING),
        Map.entry("PendingApproval", State.RUNNING),
        Map.entry("Approved", State.RUNNING),
        Map.entry("Scheduled", State.RUNNING),
        Map.entry("RunbookInProgress", State.RUNNING),
        Map.entry("PendingChangeCalendarOverride", State.RUNNING),
        Map.entry("ChangeCalendarOverrideApproved", State.RUNNING),
        Map.entry("Success", State.SUCCEEDED),
        Map.entry("CompletedWithSuccess", State.SUCCEEDED),
        Map.entry("Failed", State.FAILED),
        Map.entry("TimedOut", State.FAILED),
        Map.entry("Cancelled", State.FAILED),
        Map.entry("CompletedWithFailure", State.FAILED),
        Map.entry("Rejected", State.FAILED),
        Map.entry("ChangeCalendarOverrideRejected", State.FAILED),
        Map.entry("Exited", State.FAILED));

    public Status {
      requireNonNull(name, "name");
    }

    public State state() {
      return KNOWN.getOrDefault(name, State.RUNNING);
    }

    public boolean recognised() {
      return KNOWN.containsKey(name);
    }

    /** Not yet running: the status SSM gives executions queued behind its concurrency quota. */
    public boolean isQueued() {
      return "Pending".equals(name);
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
