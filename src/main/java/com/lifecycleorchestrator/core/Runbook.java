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
   * Whether a status-change event's {@code Definition} names this runbook: by its name, which is
   * what AWS's example shows there; or by its ARN, either side, for a runbook configured by its ARN
   * (another account's) or an event that names the runbook so.
   */
  public boolean isNamedBy(String definition) {
    return documentName.equals(definition) || documentName.endsWith(":document/" + definition)
        || definition.endsWith(":document/" + documentName);
  }

  /** Where this runbook serves the action: its instance at its hook (see {@link Seat}). */
  public Seat seatOf(LifecycleAction action) {
    return new Seat(documentName, action.group(), action.hook(), action.transition(), action.instance());
  }

  /**
   * The request that starts this runbook for the action as the {@code epoch}th action of its seat:
   * the same for every path that handles that action (the event, its duplicates, the reconciler's
   * hand-over), and different for every other action of the same instance at the same hook, so
   * that SSM's idempotency starts exactly one execution per action. The execution carries the
   * action's record ({@link Entry}): its seat and epoch, and what is known of the action (its
   * token, its scaling activity, when its hold began) for the paths that find it later.
   */
  public Start startFor(LifecycleAction action, int epoch, Instant now) {
    Map<String, List<String>> all = new LinkedHashMap<>(parameters);
    all.put(INSTANCE_PARAMETER, List.of(action.instance().value()));
    groupNameParameter.ifPresent(name -> all.put(name, List.of(action.group().value())));
    Seat seat = seatOf(action);
    String clientToken = seat.clientToken(epoch);
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(seat.tagKey(), Integer.toString(epoch));
    tags.put(Start.ACTION_TAG_PREFIX + clientToken, action.instance().value());
    tags.put(Start.instanceTagKey(action.instance()), action.hook().value());
    tags.put(Entry.TRANSITION, action.transition().wireName());
    if (Entry.TAG_VALUE.matcher(action.group().value()).matches()) {
      tags.put(Entry.GROUP, action.group().value());
    }
    tags.put(Entry.HELD_SINCE, action.heldSince().toString());
    tags.put(Entry.FOLLOWED_AT, now.toString());
    action.token().ifPresent(token -> tags.put(Entry.TOKEN, token.value()));
    action.activity().ifPresent(activity -> tags.put(Entry.ACTIVITY, activity.id()));
    return new Start(documentName, all, clientToken, tags);
  }

  /** A lifecycle action as an execution of this runbook records it, and its entry in its seat's record. */
  public record Served(LifecycleAction action, Entry entry) {
    public Served {
      requireNonNull(action, "action");
      requireNonNull(entry, "entry");
    }
  }

  /**
   * The lifecycle action an execution of this runbook serves, read from the execution's tags alone
   * (its status-change event names nothing else): its transition, group, hook, instance, token,
   * activity and hold's start. Empty when the tags do not record it whole, or name another seat than
   * the one they carry the epoch of: an execution nobody of ours started, one started by an earlier
   * version of the function, or one whose group name SSM could not hold as a tag value.
   */
  public Optional<Served> servedBy(ExecutionId execution, Observation observation, Map<String, String> tags) {
    try {
      Map.Entry<String, String> instanceTag = tags.entrySet().stream()
          .filter(tag -> tag.getKey().startsWith(Start.INSTANCE_TAG_PREFIX))
          .findFirst().orElseThrow();
      Instant heldSince = Instant.parse(tags.get(Entry.HELD_SINCE));
      LifecycleAction action = new LifecycleAction(
          LifecycleAction.Transition.fromWireName(tags.get(Entry.TRANSITION)),
          new LifecycleAction.GroupName(tags.get(Entry.GROUP)),
          new LifecycleAction.HookName(instanceTag.getValue()),
          new LifecycleAction.InstanceId(instanceTag.getKey().substring(Start.INSTANCE_TAG_PREFIX.length())),
          Optional.ofNullable(tags.get(Entry.TOKEN)).map(LifecycleAction.Token::new),
          heldSince);
      // The activity's start is not recorded; only its id tells one action of the seat from another.
      LifecycleAction recorded = Optional.ofNullable(tags.get(Entry.ACTIVITY))
          .map(id -> action.withActivity(new LifecycleAction.ScalingActivity(id, heldSince)))
          .orElse(action);
      return Entry.of(seatOf(recorded), execution, observation, tags).map(entry -> new Served(recorded, entry));
    } catch (RuntimeException incomplete) {
      return Optional.empty();
    }
  }

  /**
   * An instance at a hook, for one runbook: the place where a group's lifecycle actions follow one
   * another. Auto Scaling holds an instance at a hook for one action at a time, and a new action
   * there begins only after the previous one ended, so the actions of a seat are numbered in order
   * (their epochs), and an action is named by its seat and epoch: no timestamp, no token and no
   * listing that only one path sees. Where the seat's actions stand is kept on the executions
   * themselves, as tags ({@link Entry}), so every path and every execution environment reads the
   * same record.
   */
  public record Seat(
      String documentName,
      LifecycleAction.GroupName group,
      LifecycleAction.HookName hook,
      LifecycleAction.Transition transition,
      LifecycleAction.InstanceId instance) {

    public static final String TAG_PREFIX = "lifecycle-seat:";

    public Seat {
      requireNonNull(documentName, "documentName");
      requireNonNull(group, "group");
      requireNonNull(hook, "hook");
      requireNonNull(transition, "transition");
      requireNonNull(instance, "instance");
    }

    /** The tag key that every execution of this seat carries, with its epoch as the value. */
    public String tagKey() {
      return TAG_PREFIX + uuidOf(String.join("\n", documentName, group.value(), hook.value(),
          transition.wireName(), instance.value()));
    }

    /**
     * The client token of the seat's {@code epoch}th action: a name-based UUID (SSM's ClientToken
     * "enforces the UUID format", StartAutomationExecution API reference).
     */
    public String clientToken(int epoch) {
      return uuidOf(tagKey() + "\n" + epoch);
    }

    private static String uuidOf(String name) {
      return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
  }

  /**
   * What the record of a seat says of one execution, from its tags: the action's epoch at the seat;
   * its lifecycle action token when a path that knew it started or adopted the execution; its
   * scaling activity when the reconciler found the action; when its hold began; the result it was
   * released with ({@link #SUPERSEDED} when its action ended without us); and when its follower
   * last gave a sign of life.
   */
  public record Entry(
      ExecutionId execution,
      Observation observation,
      int epoch,
      Optional<LifecycleAction.Token> token,
      Optional<String> activity,
      Optional<Instant> heldSince,
      Optional<String> released,
      Optional<Instant> followedAt) {

    public static final String TOKEN = "lifecycle-token";
    public static final String ACTIVITY = "lifecycle-activity";
    public static final String HELD_SINCE = "lifecycle-held-since";
    public static final String RELEASED = "lifecycle-released";
    public static final String FOLLOWED_AT = "lifecycle-followed-at";
    public static final String GROUP = "lifecycle-group";
    public static final String TRANSITION = "lifecycle-transition";
    /**
     * What SSM takes as a tag value ("Tag", Systems Manager API Reference): a group name with other
     * characters is not recorded, and its executions' status-change events are left to their followers.
     */
    static final Pattern TAG_VALUE = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{0,256}");
    /** The release of an execution whose action ended without us: by a person, or by its hook's timeout. */
    public static final String SUPERSEDED = "superseded";

    public Entry {
      requireNonNull(execution, "execution");
      requireNonNull(observation, "observation");
      requireNonNull(token, "token");
      requireNonNull(activity, "activity");
      requireNonNull(heldSince, "heldSince");
      requireNonNull(released, "released");
      requireNonNull(followedAt, "followedAt");
    }

    /**
     * The entry the tags of an execution of the seat make; empty when they do not carry the seat's
     * epoch (an execution tagged by hand, or by another version of the function).
     */
    public static Optional<Entry> of(Seat seat, ExecutionId execution, Observation observation, Map<String, String> tags) {
      try {
        int epoch = Integer.parseInt(tags.getOrDefault(seat.tagKey(), ""));
        return Optional.of(new Entry(execution, observation, epoch,
            Optional.ofNullable(tags.get(TOKEN)).map(LifecycleAction.Token::new),
            Optional.ofNullable(tags.get(ACTIVITY)),
            Optional.ofNullable(tags.get(HELD_SINCE)).map(Instant::parse),
            Optional.ofNullable(tags.get(RELEASED)),
            Optional.ofNullable(tags.get(FOLLOWED_AT)).map(Instant::parse)));
      } catch (RuntimeException unreadable) {
        return Optional.empty();
      }
    }

    public boolean isReleased() {
      return released.isPresent();
    }
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
