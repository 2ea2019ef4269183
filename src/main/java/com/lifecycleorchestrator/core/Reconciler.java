package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the lifecycle actions nobody handles, keeps every waiting action of ours alive, and hands
 * each action without a living follower to a fresh invocation. For every instance that waits at one
 * of our hooks it reads the seat's record (the latest execution of our runbook for that instance at
 * that hook, {@link Runbook.Entry}):
 *
 * <ul>
 *   <li>an execution not yet released that serves the waiting action (its token still names the
 *       active action, or its scaling activity is the one holding the instance): the action gets a
 *       heartbeat, and if its follower gave no sign of life within the hook's heartbeat interval,
 *       or its execution ended a while ago without anyone completing it, a fresh invocation takes
 *       it over and follows that execution;
 *   <li>none, or one released, or one that served another action (its token no longer reaches an
 *       active action, or another activity holds the instance): the action lost its event, or its
 *       invocation died before the start. It gets a heartbeat and is handed to a fresh invocation
 *       that goes through the same orchestration as the event (claim, pre-flight, the agent wait of
 *       a launch, start), never a bare start; the claim, made with what it sees then, decides. The hold's start is the
 *       scaling activity holding the instance; an instance with none in progress is left alone,
 *       counted as unidentified.
 * </ul>
 *
 * <p>Instances waiting in the warm pool are covered as well: {@code Warmed:Pending:Wait} is where a
 * launch into the pool and a return to the pool on scale-in both wait, so such an instance is
 * examined for either hook, and the hook that accepts its heartbeat is the one that holds it.
 *
 * <p>A pass examines instances at a steady pace, so its calls stay within the account's rates, and
 * as many as it takes to look at every waiting instance within 40% of the shortest heartbeat
 * timeout of the hooks it serves, as read from the hooks themselves (the passes rotate through them
 * in instance id order), so a lost action is found before its hook gives up; but never more than
 * the pace allows in the pass's time. A call that fails in an examination does not cost the
 * action its heartbeat: a record that cannot be read gets it one by instance id, and the
 * examination is made once more a little later in the pass. Like an orchestration, a pass is a
 * state machine that never sleeps itself.
 */
public final class Reconciler {

  /**
   * Which groups to watch (none: in fleet mode, those enrolled by their tag, found at each pass;
   * the hooks are the orchestrator's); how often a pass runs (the schedule's
   * rate); how many instances a pass examines at least, and at what pace; how long a pass may take;
   * and how long an ended execution may wait for its own invocation to complete its action.
   */
  public record Config(
      List<LifecycleAction.GroupName> groups,
      Duration interval,
      int examinedAtLeast,
      Duration pace,
      Duration passTime,
      Duration completionGrace) {
    public Config {
      groups = List.copyOf(groups);
      requireNonNull(interval, "interval");
      requireNonNull(pace, "pace");
      requireNonNull(passTime, "passTime");
      requireNonNull(completionGrace, "completionGrace");
      if (examinedAtLeast < 1) {
        throw new IllegalArgumentException("the reconciler examines at least one instance, got " + examinedAtLeast);
      }
    }
  }

  /** What one pass found and did. */
  public record Report(
      int waiting, int examined, int recovered, int releasedForDeletion, int failedCalls, int unidentified) {}

  /**
   * How long after a failed call an examination is made again: the SDK's own retries of that call
   * have already spanned a few seconds, and a rate the call exceeded has refilled by then.
   */
  static final Duration AGAIN_AFTER_A_FAILURE = Duration.ofSeconds(10);

  private final Automations automations;
  private final LifecycleActions lifecycleActions;
  private final Clock clock;
  private final Orchestrator.Config orchestration;
  private final Config config;
  private final Hooks hooks;

  public Reconciler(Automations automations, LifecycleActions lifecycleActions, Clock clock,
      Orchestrator.Config orchestration, Config config) {
    this.automations = requireNonNull(automations, "automations");
    this.lifecycleActions = requireNonNull(lifecycleActions, "lifecycleActions");
    this.clock = requireNonNull(clock, "clock");
    this.orchestration = requireNonNull(orchestration, "orchestration");
    this.config = requireNonNull(config, "config");
    if (config.groups().isEmpty() == orchestration.enrolment().isEmpty()) {
      throw new IllegalArgumentException("the reconciler watches either the configured groups or, in fleet mode, "
          + "the groups enrolled by their tag: got groups " + config.groups() + " and fleet mode "
          + orchestration.enrolment().isPresent());
    }
    this.hooks = new Hooks(lifecycleActions, orchestration.rules().heartbeatTimeout(), clock);
  }

  /** Runs a whole pass on the clock. */
  public Report reconcile(Continuations continuations) {
    Pass pass = begin(continuations, clock.now());
    Steps.runToEnd(pass, clock);
    return pass.report().orElseThrow();
  }

  /** A pass, to be advanced step by step: first the groups, then one instance per step. */
  public Pass begin(Continuations continuations, Instant now) {
    return new Pass(continuations, now);
  }

  /** One pass of the reconciler. */
  public final class Pass implements Steps {
    private final Continuations continuations;
    private final Instant began;
    private final List<Waiting> toExamine = new ArrayList<>();
    /**
     * Instances whose examination a call cut short, each examined once more a little later in the
     * pass, before those not yet examined: an action only the passes keep alive (its event lost, it
     * waits for SSM's capacity) would otherwise go a whole rotation without a heartbeat, and two
     * such failures in a row, or one in a turn that a full bucket left it out of, let its hook give up.
     */
    private final Deque<Again> toExamineAgain = new ArrayDeque<>();
    /**
     * Each group's scaling activities in progress, by the instance each holds: listed once a pass,
     * when an examined instance first needs its own. An instance whose execution's token proves it
     * served needs none, so a pass over followed actions lists none. None for a group whose listing
     * was refused, or failed twice: its instances are left alone this pass.
     */
    private final Map<LifecycleAction.GroupName, Map<LifecycleAction.InstanceId, Fleet.Activity>> holding =
        new HashMap<>();
    /**
     * When a group whose listing failed for now is listed once more: once a pass, so that a listing
     * throttled for long costs one more call, not one per instance.
     */
    private final Map<LifecycleAction.GroupName, Instant> listedAgainAt = new HashMap<>();
    private boolean described;
    private int next;
    private Instant due;
    private int waiting;
    private int examined;
    private int recovered;
    private int releasedForDeletion;
    private int failedCalls;
    private int unidentified;
    /**
     * Actions without execution handed over in this pass, at most a batch: in a scale-in larger than
     * SSM's queue most waiting actions have none yet, and wait for capacity in the waiting room.
     */
    private int newActionsHandedOver;
    private Report report;

    private Pass(Continuations continuations, Instant now) {
      this.continuations = continuations;
      this.began = now;
      this.due = now;
    }

    public Optional<Report> report() {
      return Optional.ofNullable(report);
    }

    @Override
    public boolean finished() {
      return report != null;
    }

    @Override
    public Instant nextStepAt() {
      return report == null ? due : Instant.MAX;
    }

    @Override
    public void advance(Instant now) {
      if (report != null || now.isBefore(due)) {
        return;
      }
      if (!described) {
        describeGroups(now);
        described = true;
      } else if (now.isBefore(began.plus(config.passTime()))) {
        examineNext(now);
      }
      due = now.plus(config.pace());
      if (next >= toExamine.size() && !toExamineAgain.isEmpty() && due.isBefore(toExamineAgain.peek().at())) {
        due = toExamineAgain.peek().at();
      }
      if (next >= toExamine.size() && toExamineAgain.isEmpty() || !due.isBefore(began.plus(config.passTime()))) {
        report = new Report(waiting, examined, recovered, releasedForDeletion, failedCalls, unidentified);
      }
    }

    /** Examines the instance whose examination a failed call cut short, once it is due, or else the next one. */
    private void examineNext(Instant now) {
      Again again = toExamineAgain.peek();
      if (again != null && !now.isBefore(again.at())) {
        toExamineAgain.poll();
        examine(again.found(), now);
      } else if (next < toExamine.size()) {
        Waiting found = toExamine.get(next++);
        if (!examine(found, now)) {
          toExamineAgain.add(new Again(found, now.plus(AGAIN_AFTER_A_FAILURE)));
        }
        examined++;
      }
    }

    private void describeGroups(Instant now) {
      List<Waiting> all = new ArrayList<>();
      Duration heartbeatEvery = orchestration.rules().heartbeatEvery();
      for (Map.Entry<LifecycleAction.GroupName, Fleet.Group> described : groups().entrySet()) {
        LifecycleAction.GroupName group = described.getKey();
        Fleet.Group found = described.getValue();
        Map<LifecycleAction.Transition, Runbook> runbooks = new EnumMap<>(LifecycleAction.Transition.class);
        for (LifecycleAction.Transition transition : LifecycleAction.Transition.values()) {
          if (orchestration.hookFor(transition).isPresent()
              && orchestration.runbookIn(group, found, transition) instanceof Enrolment.Choice.Served served) {
            runbooks.put(transition, served.runbook());
          }
        }
        List<Fleet.WaitingInstance> ours = found.waiting().stream()
            .filter(instance -> runbooks.containsKey(instance.transition()))
            .toList();
        waiting += ours.stream().map(Fleet.WaitingInstance::instance).distinct().count();
        List<Waiting> waitingHere = ours.stream()
            .map(instance -> new Waiting(group, instance, runbooks.get(instance.transition())))
            .toList();
        if (found.state() == Fleet.GroupState.DELETING) {
          waitingHere.forEach(this::releaseForTheGroupsDeletion);
        } else {
          all.addAll(waitingHere);
        }
        for (LifecycleAction.Transition transition : runbooks.keySet()) {
          Duration every = orchestration.rules().timings()
              .heartbeatEvery(hookOf(group, orchestration.hookFor(transition).orElseThrow()).heartbeatTimeout());
          heartbeatEvery = every.compareTo(heartbeatEvery) < 0 ? every : heartbeatEvery;
        }
      }
      all.sort(Comparator.comparing((Waiting found) -> found.instance().instance().value()));
      toExamine.addAll(rotation(all, now, heartbeatEvery));
    }

    /**
     * The groups this pass watches, each as Auto Scaling describes it: the configured ones, or in
     * fleet mode those that carry an opt-in tag. A group that cannot be read is left to the next pass.
     */
    private Map<LifecycleAction.GroupName, Fleet.Group> groups() {
      Map<LifecycleAction.GroupName, Fleet.Group> described = new LinkedHashMap<>();
      if (orchestration.enrolment().isPresent()) {
        try {
          described.putAll(lifecycleActions.enrolled());
        } catch (ServiceFailure failure) {
          failedCalls++;
        }
        return described;
      }
      for (LifecycleAction.GroupName group : config.groups()) {
        try {
          described.put(group, lifecycleActions.describe(group));
        } catch (ServiceFailure failure) {
          failedCalls++;
        }
      }
      return described;
    }

    /**
     * The group's activities in progress, by the instance each holds, listed once per pass: none if
     * the listing is refused, or fails again; unknown (empty) while it fails for now, until it is
     * tried once more {@link #AGAIN_AFTER_A_FAILURE} later.
     */
    private Optional<Map<LifecycleAction.InstanceId, Fleet.Activity>> holdingIn(LifecycleAction.GroupName group,
        Instant now) {
      Map<LifecycleAction.InstanceId, Fleet.Activity> listed = holding.get(group);
      if (listed != null) {
        return Optional.of(listed);
      }
      Instant again = listedAgainAt.get(group);
      if (again != null && now.isBefore(again)) {
        return Optional.empty();
      }
      try {
        listed = Fleet.Activity.holdingEach(lifecycleActions.activitiesInProgress(group));
      } catch (ServiceFailure.Rejected refused) {
        failedCalls++;
        listed = Map.of();
      } catch (ServiceFailure failure) {
        failedCalls++;
        if (again == null) {
          listedAgainAt.put(group, now.plus(AGAIN_AFTER_A_FAILURE));
          return Optional.empty();
        }
        listed = Map.of();
      }
      holding.put(group, listed);
      return Optional.of(listed);
    }

    /**
     * This pass's share of the waiting instances. Each instance belongs to one of as many buckets as
     * passes fit in the heartbeat interval of the hooks' shortest heartbeat timeout, by a hash of
     * its id, and the passes take the buckets in turn: every instance is looked at once in that
     * time, however the waiting instances come and go. A bucket larger than the pace allows is
     * taken from a point that moves each turn.
     */
    private List<Waiting> rotation(List<Waiting> all, Instant now, Duration heartbeatEvery) {
      if (all.isEmpty()) {
        return all;
      }
      int buckets = (int) Math.max(1, Math.min(all.size() / Math.max(1, config.examinedAtLeast()),
          heartbeatEvery.toMillis() / config.interval().toMillis()));
      long passNumber = now.toEpochMilli() / config.interval().toMillis();
      int bucket = (int) (passNumber % buckets);
      List<Waiting> mine = all.stream()
          .filter(found -> Math.floorMod(found.instance().instance().value().hashCode(), buckets) == bucket)
          .toList();
      int from = (int) ((passNumber / buckets) * (1 + config.passTime().toMillis() / config.pace().toMillis())
          % Math.max(1, mine.size()));
      List<Waiting> rotated = new ArrayList<>(mine.subList(from, mine.size()));
      rotated.addAll(mine.subList(0, from));
      return rotated;
    }

    /**
     * Looks at one waiting instance: reads its seat's record, keeps the action alive, and hands it
     * to a fresh invocation if nobody follows it (see the class's description).
     *
     * @return whether the examination was made, rather than cut short by a call that failed
     */
    private boolean examine(Waiting found, Instant now) {
      LifecycleAction action = byInstance(found);
      try {
        if (action.returnsToWarmPool() && orchestration.warmPoolReturn() == Orchestrator.WarmPoolReturn.CONTINUE) {
          if (lifecycleActions.complete(action, LifecycleResult.CONTINUE) == LifecycleActions.Answer.ACCEPTED) {
            recovered++;
          }
          return true;
        }
        Optional<Runbook.Entry> latest = recordOf(found, action);
        if (latest.isPresent() && !latest.get().isReleased()) {
          Runbook.Entry entry = latest.get();
          Optional<Boolean> serves = servesTheWaitingAction(entry, found, now);
          if (serves.isEmpty()) {
            lifecycleActions.recordHeartbeat(action);
            unidentified++;
            return true;
          }
          if (serves.get()) {
            if (!isFollowed(entry, action, now)) {
              handOver(following(entry, found, now), found.runbook(), Optional.of(entry.execution()), now);
            }
            return true;
          }
        }
        if (holdingIn(found.group(), now).isEmpty()) {
          // No activity could be listed, which is not the same as none: the action may be one only
          // the passes keep alive (its event lost, waiting for SSM's capacity). Examined again with
          // the listing tried again, rather than left alone as an instance nothing names.
          return false;
        }
        LifecycleAction identified = identified(found, now);
        if (identified.activity().isEmpty()) {
          unidentified++;
          return true;
        }
        if (lifecycleActions.recordHeartbeat(identified) == LifecycleActions.Answer.ACCEPTED
            && newActionsHandedOver < config.examinedAtLeast()) {
          newActionsHandedOver++;
          handOver(identified, found.runbook(), Optional.empty(), now);
        }
      } catch (ServiceFailure failure) {
        failedCalls++;
        return false;
      }
      return true;
    }

    /**
     * The latest execution at the instance's seat. A record that cannot be read now says nothing of
     * who follows the action, but the hold must not lapse for it: the waiting action gets a heartbeat
     * by instance id, and is examined again a little later in the pass.
     *
     * @throws ServiceFailure the record could not be read (after the heartbeat, or its failure)
     */
    private Optional<Runbook.Entry> recordOf(Waiting found, LifecycleAction action) {
      try {
        return automations.latest(found.runbook().seatOf(action));
      } catch (ServiceFailure unread) {
        lifecycleActions.recordHeartbeat(action);
        throw unread;
      }
    }

    /**
     * Whether the execution serves the action waiting now, which the reconciler knows by instance
     * only: by the execution's token, which a heartbeat reaches only while its action is active (the
     * heartbeat also keeps it alive), or else by its scaling activity, which is the one holding the
     * instance or not (then a heartbeat by instance keeps the waiting action alive). Empty when
     * neither can tell.
     */
    private Optional<Boolean> servesTheWaitingAction(Runbook.Entry entry, Waiting found, Instant now) {
      if (entry.token().isPresent()) {
        return Optional.of(lifecycleActions.recordHeartbeat(byInstance(found).withToken(entry.token().get()))
            == LifecycleActions.Answer.ACCEPTED);
      }
      if (entry.activity().isEmpty()) {
        return Optional.empty();
      }
      LifecycleAction action = identified(found, now);
      if (action.activity().isEmpty()) {
        return Optional.empty();
      }
      boolean same = entry.activity().get().equals(action.activity().get().id());
      if (same) {
        lifecycleActions.recordHeartbeat(action);
      }
      return Optional.of(same);
    }

    /**
     * Whether someone follows the execution: it runs and its follower gave a sign of life within a
     * heartbeat interval and the grace, or it ended so recently that its own follower is completing it.
     */
    private boolean isFollowed(Runbook.Entry entry, LifecycleAction action, Instant now) {
      if (entry.observation().status().state() == Runbook.State.RUNNING) {
        Duration every = orchestration.rules().timings().heartbeatEvery(hookOf(action.group(), action.hook())
            .heartbeatTimeout());
        return entry.followedAt().map(seen -> seen.plus(every).plus(config.completionGrace()).isAfter(now))
            .orElse(false);
      }
      return entry.observation().endedAt().map(ended -> ended.plus(config.completionGrace()).isAfter(now))
          .orElse(false);
    }

    /**
     * The waiting action as the execution records it: by its token, if it has one, else by the
     * scaling activity it was started for, and since its hold began.
     */
    private LifecycleAction following(Runbook.Entry entry, Waiting found, Instant now) {
      LifecycleAction action = entry.heldSince().isPresent() && entry.activity().isPresent()
          ? byInstance(found) : identified(found, now);
      Instant heldSince = entry.heldSince().orElse(action.heldSince());
      Optional<LifecycleAction.ScalingActivity> activity = entry.activity()
          .map(id -> new LifecycleAction.ScalingActivity(id, heldSince)).or(action::activity);
      return new LifecycleAction(action.transition(), action.group(), action.hook(), action.instance(),
          entry.token(), heldSince, activity, action.destination());
    }

    /**
     * Hands the action over with the hook's timeouts as this pass read them, so that an invocation
     * that cannot read the hook for now heartbeats by them rather than by the configured assumption,
     * and with the runbook whose record this pass read, so that the invocation claims the same seat.
     */
    private void handOver(LifecycleAction action, Runbook runbook, Optional<Runbook.ExecutionId> execution,
        Instant now) {
      HookTimeouts hook = hookOf(action.group(), action.hook());
      continuations.handOver(new Continuation(action, execution, now,
          action.heldSince().plus(hook.globalTimeout()), Optional.of(hook), 1, 0, Optional.empty(),
          Optional.of(runbook.documentName()), Optional.empty()));
      recovered++;
    }

    private HookTimeouts hookOf(LifecycleAction.GroupName group, LifecycleAction.HookName hook) {
      return hooks.of(group, hook, unreadable -> { });
    }

    /**
     * The waiting action as far as the instance names it: enough to read its seat's record, send a
     * heartbeat or a result by instance id, or name it by an execution's token.
     */
    private LifecycleAction byInstance(Waiting found) {
      return waitingAction(found, Optional.empty());
    }

    /** The waiting action with the scaling activity holding its instance, if one is in progress. */
    private LifecycleAction identified(Waiting found, Instant now) {
      return waitingAction(found, holdingIn(found.group(), now)
          .flatMap(holdingHere -> Optional.ofNullable(holdingHere.get(found.instance().instance()))));
    }

    /**
     * The action of an instance found waiting: no token (it is completed by instance id), held since
     * the scaling activity holding the instance started, where one is in progress. The hold began
     * when the instance reached the hook, after its activity started, so the global deadline reckoned
     * from the activity's start is never later than the one Auto Scaling keeps, however many
     * heartbeats have kept the instance since. Without an activity the hold's start is unknown: such
     * an action is only kept alive, never handed over on its own.
     */
    private LifecycleAction waitingAction(Waiting found, Optional<Fleet.Activity> activity) {
      LifecycleAction.Transition transition = found.instance().transition();
      return new LifecycleAction(transition, found.group(), orchestration.hookFor(transition).orElseThrow(),
          found.instance().instance(), Optional.empty(), activity.map(Fleet.Activity::startedAt).orElse(began),
          activity.map(Fleet.Activity::asScalingActivity), Optional.of(found.instance().destination()));
    }

    private void releaseForTheGroupsDeletion(Waiting found) {
      try {
        if (lifecycleActions.complete(byInstance(found), LifecycleResult.CONTINUE) == LifecycleActions.Answer.ACCEPTED) {
          releasedForDeletion++;
        }
      } catch (ServiceFailure failure) {
        failedCalls++;
      }
    }
  }

  /** An instance to examine again, and from when. */
  private record Again(Waiting found, Instant at) {}

  /** An instance found waiting at one of our hooks, its group, and the runbook that serves its transition there. */
  private record Waiting(LifecycleAction.GroupName group, Fleet.WaitingInstance instance, Runbook runbook) {}
}
